"""The engine interface (as pygeoapi's providers): one class per backend owns all its reading, writing and loading —
the built layers and the workspace's imported ones, feature writes with their audit row in the same transaction,
and loading a build. Nothing outside an engine asks which backend it is; `geo.store.open_engine` chooses it once
from the settings.

Reading goes through snapshots (as flaskr's `g.db`): `Engine.snapshot()` reads the data version once — the build's
and the workspace's together — and brings the cached facts and frames up to date; every read until the next
snapshot answers from that state without asking the database again.

Small layers are held in memory (an STR-tree for bbox); large ones (LayerInfo.large, decided by the build) are
queried where they are stored, by one SQL query builder (geo/query/sql.py) over the engine's dialect. Both paths
return the same GeoDataFrames for the same query; nothing here knows HTTP."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pygeofilter import ast
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection

from geo.core.crs import WGS84
from geo.core.errors import DataNotBuiltError, NotFoundError
from geo.core.serialize import geometry_json
from geo.query.cql2 import filter_mask
from geo.query.filters import SortKey, equality_mask, sort_frame
from geo.query.sql import Dialect, SelectQuery, Table, matched, quote
from geo.store.layerinfo import FIGURES_TABLE, META_TABLE, LayerInfo
from geo.store.pyramids import EDIT_ACTIONS, Edits, Pyramids
from geo.store.workspace import AUDIT, KEYS, AuditEntry
from geo.tiles.mvt import TileAddress, buffered_lonlat_bbox, empty_tile, patch_tile, tile_minzoom
from geo.tiles.pyramid import Pyramid, PyramidSource, build_pyramid

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemsQuery:
    """What to select from a layer: optional CRS84 bbox (minx, miny, maxx, maxy), property equalities,
    a CQL2 filter (pygeofilter AST), sort keys, the properties to return and a page (limit None: all)."""

    bbox: tuple[float, float, float, float] | None = None
    limit: int | None = 10
    offset: int = 0
    equals: tuple[tuple[str, str], ...] = ()
    filter: ast.Node | None = None
    sortby: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QueryResult:
    features: gpd.GeoDataFrame
    number_matched: int


@dataclass(frozen=True)
class Version:
    """The data version of one snapshot: the build's and the workspace's."""

    built: str
    workspace: str

    def __str__(self) -> str:
        return f"{self.built}|{self.workspace}"


class LayerTooLargeError(NotFoundError):
    """A whole-layer read of a layer the build marked large (query it by bbox instead)."""


def rows_frame(rows: Sequence[tuple], names: list[str], schema: dict[str, str], dialect: Dialect) -> gpd.GeoDataFrame:
    """SQL rows (properties, then the geometry as the dialect selects it) as a WGS84 GeoDataFrame with the in-memory
    path's values."""
    data = pd.DataFrame.from_records([r[:-1] for r in rows], columns=names)
    for name in names:
        if schema.get(name) == "boolean":
            data[name] = data[name].map(lambda v: None if v is None else bool(v))
    geoms = dialect.geometries([r[-1] for r in rows]) if rows else np.array([], dtype=object)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)


def with_schema_types(frame: gpd.GeoDataFrame, schema: dict[str, str]) -> gpd.GeoDataFrame:
    """Integer and boolean columns with nulls come back from GDAL as floats: give them their schema's type
    (Python values, None for null)."""
    for name, kind in schema.items():
        if kind in ("integer", "boolean") and name in frame and pd.api.types.is_float_dtype(frame[name]):
            convert = int if kind == "integer" else bool
            frame[name] = pd.Series([None if pd.isna(v) else convert(v) for v in frame[name]], dtype=object,
                                    index=frame.index)
    return frame


def memory_query(frame: gpd.GeoDataFrame, schema: dict[str, str], query: ItemsQuery) -> QueryResult:
    """The in-memory path over a whole small layer."""
    if query.bbox is not None:
        hits = frame.sindex.query(shapely.box(*query.bbox), predicate="intersects")
        frame = frame.iloc[np.sort(hits)]
    for name, raw in query.equals:
        frame = frame[equality_mask(frame, name, raw, schema)]
    if query.filter is not None and len(frame):
        frame = frame[filter_mask(frame, query.filter)]
    frame = sort_frame(frame, query.sortby)
    end = None if query.limit is None else query.offset + query.limit
    page = frame.iloc[query.offset: end]
    if query.properties is not None:
        page = page[["feature_id", *query.properties, page.geometry.name]]
    return QueryResult(page, len(frame))


class LayerReader(ABC):
    """The layers of one database of an engine (its build, or its workspace's imports): the per-layer facts and the
    small layers' frames, cached per data version; items answered in memory or by SQL. Each engine gives its own
    reader the statement runner, the dialect, the tables, the facts and the tiles."""

    dialect: ClassVar[Dialect]
    sql_for_all = False

    def __init__(self, layer_ids: list[str]):
        self.layer_ids = list(layer_ids)
        self._lock = threading.RLock()  # one thread loads a frame; the others wait for it, not for the database
        self._frames: dict[str, gpd.GeoDataFrame] = {}
        self._geojson: dict[str, dict[str, bytes]] = {}
        self._infos: dict[str, LayerInfo] = {}
        self._version: str | None = None

    # -- what each engine's reader gives

    @abstractmethod
    def read_version(self) -> str:
        """The version of this database now (a read of the database)."""

    @abstractmethod
    def _read_infos(self) -> list[LayerInfo]:
        """The per-layer facts."""

    @abstractmethod
    def _read_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """A whole small layer."""

    @abstractmethod
    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """The rows of one statement in the engine's dialect."""

    @abstractmethod
    def columns(self, sql: str, params: Sequence = ()) -> tuple[list[str], list[tuple]]:
        """Column names and rows of one statement."""

    @abstractmethod
    def table(self, layer_id: str) -> Table:
        """The layer's table as the query builder reads it."""

    @abstractmethod
    def tile(self, layer_id: str, address: TileAddress, fields: tuple[str, ...]) -> bytes:
        """A Mapbox Vector Tile of the layer (MVT layer named after it; properties feature_id and `fields`)."""

    def on_version(self, version: str) -> None:
        """Called when a snapshot finds a new version (an engine may reopen what it reads); nothing by default."""
        return None

    # -- snapshots

    def refresh(self, version: str) -> None:
        """Adopt the version a snapshot read: the facts and frames are read again when it changed."""
        with self._lock:
            if version == self._version:
                return
            self.on_version(version)
            self._frames.clear()
            self._geojson.clear()
            infos = {i.layer_id: i for i in self._read_infos()}
            missing = [i for i in self.layer_ids if i not in infos]
            if missing:
                raise DataNotBuiltError(f"the data lacks layers the catalog names: {', '.join(missing)} (a catalog "
                                        "newer than the build: run `make data`)")
            self._infos = infos
            self._version = version

    def invalidate(self) -> None:
        """Read the facts and frames again at the next snapshot (the set of layers changed)."""
        with self._lock:
            self._version = None

    def _current(self) -> None:
        """The state of the last snapshot (the first read outside any snapshot takes one)."""
        if self._version is None:
            self.refresh(self.read_version())

    # -- reading

    def info(self, layer_id: str) -> LayerInfo:
        if layer_id not in self.layer_ids:
            raise NotFoundError(f"collection '{layer_id}' does not exist")
        with self._lock:
            self._current()
            return self._infos[layer_id]

    def uses_sql(self, layer_id: str) -> bool:
        return self.sql_for_all or self.info(layer_id).large

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole (small) layer in stable order (by feature_id)."""
        if self.info(layer_id).large:
            raise LayerTooLargeError(f"collection '{layer_id}' is too large to read whole; query it by bbox")
        with self._lock:
            if layer_id not in self._frames:
                frame = self._read_frame(layer_id).sort_values("feature_id", ignore_index=True)
                _ = frame.sindex  # build the STR-tree once, while holding the lock
                self._frames[layer_id] = frame
                self._geojson[layer_id] = dict(zip(frame["feature_id"], geometry_json(frame.geometry.values),
                                                   strict=True))
            return self._frames[layer_id]

    def values(self, layer_id: str, name: str, distinct: bool = False) -> list:
        """Every feature's value of one property (each value once when `distinct`): a large layer's by a query of
        that one column, never read whole; none for a property the layer does not have."""
        if name not in self.info(layer_id).schema:
            return []
        if not self.uses_sql(layer_id):
            column = self.frame(layer_id)[name]
            return list(column.drop_duplicates()) if distinct else column.tolist()
        select_ = "SELECT DISTINCT" if distinct else "SELECT"
        return [row[0] for row in self.rows(f"{select_} {quote(name)} FROM {self.table(layer_id).name}")]

    def geojson_of(self, layer_id: str) -> dict[str, bytes] | None:
        """Each feature's geometry as GeoJSON (CRS84), written once when a small layer is loaded; None for layers
        answered in SQL."""
        if self.uses_sql(layer_id):
            return None
        self.frame(layer_id)
        return self._geojson.get(layer_id)

    def query(self, layer_id: str, query: ItemsQuery) -> QueryResult:
        """Features intersecting the bbox, then the attribute filters, the sort order (ties by feature id) and the
        requested page — in memory for small layers, in SQL for large ones."""
        if self.uses_sql(layer_id):
            return self.sql_query(layer_id, query)
        return memory_query(self.frame(layer_id), self.info(layer_id).schema, query)

    def sql_query(self, layer_id: str, query: ItemsQuery, feature_id: str | None = None) -> QueryResult:
        """One items query by the shared SQL builder, in this engine's dialect."""
        select_ = SelectQuery(self.dialect, self.table(layer_id), query.bbox, query.equals, query.filter,
                              query.sortby, query.properties, feature_id)
        rows = self.rows(*select_.page(query.limit, query.offset))

        def count() -> int:
            if not select_.filtered and select_.join == "":
                return self.info(layer_id).count
            return int(self.rows(*select_.count())[0][0])

        frame = rows_frame(rows, ["feature_id", *select_.columns()], select_.table.schema, self.dialect)
        return QueryResult(frame, matched(query.limit, query.offset, len(rows), count))

    def feature(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        if self.uses_sql(layer_id):
            found = self.sql_query(layer_id, ItemsQuery(limit=1), feature_id).features
        else:
            frame = self.frame(layer_id)
            found = frame[frame["feature_id"] == feature_id]
        if found.empty:
            raise NotFoundError(f"feature '{feature_id[:80]}' does not exist in collection '{layer_id}'")
        return found

    def first_id(self, layer_id: str) -> str | None:
        """The first feature id of a layer in stable order (None when it is empty)."""
        page = self.sql_query(layer_id, ItemsQuery(limit=1, properties=())).features
        return None if page.empty else str(page["feature_id"].iloc[0])

    def plan_figures(self) -> pd.DataFrame:
        names, rows = self.columns(f"SELECT * FROM {self.table_name(FIGURES_TABLE)}")
        return pd.DataFrame(rows, columns=names)

    def build_info(self) -> dict:
        names, rows = self.columns(f"SELECT * FROM {self.table_name(META_TABLE)}")
        return dict(zip(names, rows[0], strict=True)) if rows else {}

    def table_name(self, name: str) -> str:
        """A table of this database as SQL names it."""
        return quote(name)


class Engine(ABC):
    """One backend. Reading: the built layers and the imported ones behind one facade, through snapshots. Writing:
    the workspace (imported layers, their features, accounts and the audit trail) in transactions that record the
    audit row with the change. Loading: a build's layers into the engine. Subclasses give the primitives."""

    name: ClassVar[str]  # "gpkg" or "postgis": what the data version and the logs say it is

    def __init__(self, built: LayerReader, imported: LayerReader, pyramids: Pyramids):
        self.built, self.imported, self.pyramids = built, imported, pyramids
        self._tile_facts: dict[tuple, object] = {}  # per data version: layers' origins, edits since their pyramids
        self._version: Version | None = None
        self._workspace_lock = threading.Lock()
        self._workspace_open = False

    def ensure_workspace(self) -> None:
        """Create the workspace's database and tables where they are missing, once per engine, when it is first
        used (a build, which never touches the workspace, does not create it)."""
        if self._workspace_open:
            return
        with self._workspace_lock:
            if not self._workspace_open:
                self._open_workspace()
                self._workspace_open = True

    @abstractmethod
    def _open_workspace(self) -> None:
        """Create what is missing of the workspace (never drops anything)."""

    # -- snapshots

    @abstractmethod
    def read_versions(self) -> Version:
        """The build's and the workspace's versions, in one read."""

    def snapshot(self) -> Version:
        """Read the data version once and bring the readers up to it; the reads that follow answer from it."""
        self.ensure_workspace()
        version = self.read_versions()
        self.built.refresh(version.built)
        self.imported.refresh(version.workspace)
        self._version = version
        return version

    def data_version(self) -> str:
        """The version of the last snapshot (a snapshot is taken when there is none yet)."""
        return str(self._version if self._version is not None else self.snapshot())

    def layer_version(self, layer_id: str) -> str:
        """The version of the database that holds the layer, as of the last snapshot: a built layer's changes only
        with a build, an imported one's with any workspace write (what a layer's tiles are cached by, so a login or
        a job's progress never empties the built layers' tiles)."""
        version = self._version if self._version is not None else self.snapshot()
        return version.built if layer_id in self.built.layer_ids else version.workspace

    def workspace_version(self) -> str:
        """The workspace's part of the last snapshot's version (what the imported layers' catalog depends on)."""
        return (self._version if self._version is not None else self.snapshot()).workspace

    # -- reading: the facade over the built and imported layers

    @property
    def layer_ids(self) -> list[str]:
        return [*self.built.layer_ids, *self.imported.layer_ids]

    def set_imported(self, layer_ids: list[str]) -> None:
        """The imported layers now (a change makes their reader read its facts again)."""
        if list(layer_ids) != self.imported.layer_ids:
            self.imported.layer_ids = list(layer_ids)
            self.imported.invalidate()
            if self._version is not None:
                self.imported.refresh(self._version.workspace)

    def reader(self, layer_id: str) -> LayerReader:
        if layer_id in self.built.layer_ids:
            return self.built
        if layer_id in self.imported.layer_ids:
            return self.imported
        raise NotFoundError(f"collection '{layer_id}' does not exist")

    def info(self, layer_id: str) -> LayerInfo:
        return self.reader(layer_id).info(layer_id)

    def uses_sql(self, layer_id: str) -> bool:
        return self.reader(layer_id).uses_sql(layer_id)

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        return self.reader(layer_id).frame(layer_id)

    def geojson_of(self, layer_id: str) -> dict[str, bytes] | None:
        return self.reader(layer_id).geojson_of(layer_id)

    def values(self, layer_id: str, name: str, distinct: bool = False) -> list:
        return self.reader(layer_id).values(layer_id, name, distinct)

    def schema(self, layer_id: str) -> dict[str, str]:
        return self.info(layer_id).schema

    def geometry_format(self, layer_id: str) -> str:
        return self.info(layer_id).geometry_format

    def geometry_name(self, layer_id: str) -> str:
        return self.reader(layer_id).table(layer_id).geometry

    def count(self, layer_id: str) -> int:
        return self.info(layer_id).count

    def bbox(self, layer_id: str) -> tuple[float, float, float, float]:
        return self.info(layer_id).bbox

    def query(self, layer_id: str, query: ItemsQuery) -> QueryResult:
        return self.reader(layer_id).query(layer_id, query)

    def within(self, layer_id: str, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
        """Every feature intersecting a CRS84 bbox, whatever the layer's size (for analyses)."""
        return self.query(layer_id, ItemsQuery(bbox=bbox, limit=None)).features

    def feature(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        return self.reader(layer_id).feature(layer_id, feature_id)

    def first_id(self, layer_id: str) -> str | None:
        return self.reader(layer_id).first_id(layer_id)

    # -- tiles: from the layer's pyramid where it has a current one, else encoded live

    def tile(self, layer_id: str, address: TileAddress, fields: tuple[str, ...]) -> bytes:
        """A vector tile of the layer: the pyramid's where one was built from the layer's data now with these
        properties and holds the zoom; where edits since its build touch the tile, encoded live at the pyramid's
        deepest zoom (which keeps every feature) and the pyramid's tile patched with the edited features above it (so
        the tile thins out its features as its neighbours do); elsewhere encoded live."""
        pyramid = self.current_pyramid(layer_id, fields)
        if pyramid is None or not pyramid.holds(address):
            return self.reader(layer_id).tile(layer_id, address, fields)
        edits, stored = self.pyramid_edits(layer_id, pyramid), pyramid.tile(address)
        if not edits.touch(buffered_lonlat_bbox(address)):
            return stored if stored is not None else empty_tile(layer_id)
        if address.z >= pyramid.maxzoom:
            return self.reader(layer_id).tile(layer_id, address, fields)
        return patch_tile(stored or empty_tile(layer_id), layer_id, address, set(edits.now), edits.frame(fields),
                          fields)

    def live_minzoom(self, layer_id: str) -> int:
        """The zoom from which the live encoder serves the layer (an average tile holds few enough features)."""
        info = self.info(layer_id)
        return tile_minzoom(info.count, info.bbox)

    def tile_minzoom(self, layer_id: str, fields: tuple[str, ...]) -> int:
        """The layer's first zoom for tiles with `fields`: its pyramid's, when it has a current one, or the live
        encoder's."""
        pyramid = self.current_pyramid(layer_id, fields)
        live = self.live_minzoom(layer_id)
        return live if pyramid is None else min(live, pyramid.minzoom)

    def current_pyramid(self, layer_id: str, fields: tuple[str, ...] | None = None) -> Pyramid | None:
        """The layer's pyramid when it was built from the layer's data now (and with `fields`, when given)."""
        pyramid = self.pyramids.open(layer_id)
        if pyramid is None or (fields is not None and pyramid.source.fields != tuple(fields)):
            return None
        return pyramid if pyramid.source.origin == self._per_version(("origin", layer_id),
                                                                      lambda: self.layer_origin(layer_id)) else None

    def pyramid_edits(self, layer_id: str, pyramid: Pyramid) -> Edits:
        """The layer's edits after its pyramid's build (read once per data version and pyramid); many of them start
        a rebuild in the background."""
        def read() -> Edits:
            edits = self.edits_since(layer_id, pyramid.source.seq)
            if len(edits.now) >= self.pyramids.rebuild_edits:
                self.pyramids.start_rebuild(layer_id, lambda: self.rebuild_pyramid(layer_id, pyramid.source.fields))
            return edits
        return self._per_version(("edits", layer_id, id(pyramid)), read)

    def _per_version(self, key: tuple, compute):
        version = self.data_version()
        if len(self._tile_facts) > 256:
            self._tile_facts.clear()
        found = self._tile_facts.get((version, *key))
        if found is None:
            found = self._tile_facts[(version, *key)] = compute()
        return found

    def layer_origin(self, layer_id: str) -> str:
        """What the layer's features come from now, as a pyramid records it: the build (its fingerprint) for a
        built layer, the import (its audit row) for an imported one."""
        if layer_id in self.built.layer_ids:
            return f"build:{self.build_info().get('fingerprint')}"
        with self.read() as con:
            seq = con.execute(select(func.max(AUDIT.c.seq)).where(AUDIT.c.collection == layer_id,
                                                                   AUDIT.c.action == "import")).scalar()
        return f"import:{seq}"

    def audit_seq(self, layer_id: str) -> int:
        """The last audit row of the layer (0 for a built layer, which no one edits)."""
        if layer_id in self.built.layer_ids:
            return 0
        with self.read() as con:
            return int(con.execute(select(func.max(AUDIT.c.seq)).where(AUDIT.c.collection == layer_id)).scalar() or 0)

    def edits_since(self, layer_id: str, seq: int) -> Edits:
        """The layer's feature changes recorded after audit row `seq`."""
        if layer_id in self.built.layer_ids:
            return Edits()
        with self.read() as con:
            rows = con.execute(select(AUDIT.c.feature_id, AUDIT.c.before, AUDIT.c.after).where(
                AUDIT.c.collection == layer_id, AUDIT.c.seq > seq, AUDIT.c.action.in_(EDIT_ACTIONS))
                .order_by(AUDIT.c.seq)).all()
        return Edits.from_rows([tuple(r) for r in rows])

    def make_pyramid(self, layer_id: str, frame: gpd.GeoDataFrame | Iterable[gpd.GeoDataFrame],
                     fields: tuple[str, ...], seq: int) -> Pyramid:
        """Build the layer's pyramid from its features as of audit row `seq` (one frame or chunks) and open it."""
        source = PyramidSource(layer_id, self.layer_origin(layer_id), seq, tuple(fields))
        build_pyramid(frame, self.pyramids.path(layer_id), source)
        return self.pyramids.open(layer_id)

    def rebuild_pyramid(self, layer_id: str, fields: tuple[str, ...]) -> Pyramid:
        """The layer's pyramid built again from its features now, read a chunk at a time (the audit row read first:
        an edit written while the features are read is answered live until the next rebuild)."""
        seq = self.audit_seq(layer_id)
        return self.make_pyramid(layer_id, self.layer_features(layer_id, fields), fields, seq)

    def layer_features(self, layer_id: str, fields: tuple[str, ...]) -> Iterator[gpd.GeoDataFrame]:
        """Every feature of an imported layer now (feature_id, `fields`, geometry), read from the workspace
        `pyramids.chunk_features` at a time in feature-id order (a worker never holds a large layer whole)."""
        schema = self.schema(layer_id)
        names = ["feature_id", *[f for f in fields if f in schema]]
        geometry = self.geometry_read(self.geometry_name(layer_id))
        chunk = text(f"SELECT {', '.join(quote(n) for n in names)}, {geometry} FROM {self.feature_table(layer_id)} "
                     f"WHERE feature_id > :after ORDER BY feature_id LIMIT {int(self.pyramids.chunk_features)}")
        after = ""
        while True:
            with self.read() as con:
                rows = con.execute(chunk, {"after": after}).all()
            if not rows:
                return
            geoms = [self.decode_geometry(r[-1]) for r in rows]
            yield gpd.GeoDataFrame(pd.DataFrame([r[:-1] for r in rows], columns=names), geometry=geoms, crs=WGS84)
            after = rows[-1][0]

    def plan_figures(self) -> pd.DataFrame:
        return self.built.plan_figures()

    def build_info(self) -> dict:
        return self.built.build_info()

    def verify(self) -> None:
        """DataNotBuiltError now, at start-up, when the data lacks a layer of the catalog."""
        self.snapshot()

    # -- writing: the workspace

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction of the workspace: a change and its audit row are written in it, or neither is."""
        self.ensure_workspace()
        with self._begin() as con:
            yield con

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection to read the workspace."""
        self.ensure_workspace()
        with self._read() as con:
            yield con

    @abstractmethod
    def _begin(self):
        """The engine's write transaction (a context manager yielding the connection)."""

    @abstractmethod
    def _read(self):
        """The engine's read connection (a context manager)."""

    def record(self, con: Connection, entry: AuditEntry) -> int:
        """Append an audit row in the caller's transaction; its sequence number."""
        return con.execute(insert(AUDIT).values(**entry.row())).inserted_primary_key[0]

    def session_key(self) -> str:
        with self.read() as con:
            return con.execute(select(KEYS.c.value).where(KEYS.c.name == "session")).scalar_one()

    @abstractmethod
    def feature_table(self, layer_id: str) -> str:
        """An imported layer's table as SQL names it in the workspace."""

    @abstractmethod
    def geometry_read(self, column: str) -> str:
        """The select expression of a stored geometry, as `decode_geometry` reads it."""

    @abstractmethod
    def decode_geometry(self, value) -> shapely.Geometry | None:
        """A geometry as `geometry_read` selected it."""

    @abstractmethod
    def geometry_write(self, name: str) -> str:
        """The SQL of a bound geometry parameter `:name` as the table stores it."""

    @abstractmethod
    def encode_geometry(self, geometry: shapely.Geometry) -> bytes:
        """A geometry as `geometry_write` binds it."""

    @abstractmethod
    def numeric_ids(self) -> str:
        """A condition true for feature ids of 1–18 ASCII digits (ids of imported layers are often numbers)."""

    @abstractmethod
    def keep_facts(self, con: Connection, layer_id: str, geometry: shapely.Geometry | None, delta: int) -> None:
        """Keep the layer's count and extent with the data, in the write's transaction (where the engine does not
        count and measure live)."""

    @abstractmethod
    @contextmanager
    def import_lock(self) -> Iterator[None]:
        """One import at a time, where the engine writes a table outside the registering transaction."""

    @abstractmethod
    def write_table(self, layer_id: str, frame: gpd.GeoDataFrame) -> None:
        """Write an imported layer's table before it is registered (a table nobody registered is invisible)."""

    @abstractmethod
    def finish_table(self, con: Connection, layer_id: str, frame: gpd.GeoDataFrame) -> None:
        """Complete the table inside the registering transaction (indexes, change triggers)."""

    @abstractmethod
    def drop_table(self, con: Connection | None, layer_id: str) -> None:
        """Remove an imported layer's table: inside the unregistering transaction when `con` is given, else after
        it (where the engine drops a table in its own transaction)."""

    @abstractmethod
    def drop_unregistered(self, registered: set[str]) -> list[str]:
        """Tables of imports nobody registered (an import killed half-way): removed; their names."""

    @abstractmethod
    def feature_tables(self) -> set[str]:
        """The feature tables the workspace holds, registered or not."""

    # -- jobs (OGC API – Processes; geo/workspace/jobs.py): each engine writes its own

    @abstractmethod
    def insert_job(self, row: dict) -> None:
        """Add a job row (JOBS columns)."""

    @abstractmethod
    def update_job(self, job_id: str, values: dict, statuses: tuple[str, ...] | None = None) -> bool:
        """Change a job (only while its status is one of `statuses`, when given); whether it changed."""

    @abstractmethod
    def read_jobs(self, job_id: str | None = None, owner: str | None = None, statuses: tuple[str, ...] = (),
                  limit: int = 100) -> list[dict]:
        """Jobs as rows (newest first): one by id, an owner's, or those of some statuses."""

    # -- loading a build

    @abstractmethod
    def load(self, layer_ids: list[str], stamp: str, force: bool = False) -> bool:
        """Bring the build (the settings' GeoPackage) into the engine; False when it already holds this build."""

    @abstractmethod
    def close(self) -> None:
        """Give back connections and pools."""
