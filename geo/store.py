"""The one place that reads features, from the built GeoPackage. Small layers are held in memory (an STR-tree for
bbox); large ones (LayerInfo.large, decided by the build) are queried where they are stored: the R-tree for bbox,
SQL for attribute filters, sort, paging and the feature id. Per-layer facts come from the build's `_layers` table.
Both paths return the same GeoDataFrames for the same query; nothing here knows HTTP."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pygeofilter import ast

from geo.cql2 import filter_mask
from geo.crs import WGS84
from geo.errors import DataNotBuiltError, NotFoundError
from geo.filters import SortKey, equality_mask, sort_frame, typed_value
from geo.gpkg import GeoPackage, geometries, quote
from geo.layerinfo import FIGURES_TABLE, LAYERS_TABLE, META_TABLE, LayerInfo
from geo.serialize import geometry_json
from geo.sqlfilter import SPATIAL_FUNCTION, SQL_FUNCTIONS, translate
from geo.tiles import TileAddress, buffered_lonlat_bbox, encode_tile

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


class LayerTooLargeError(NotFoundError):
    """A whole-layer read of a layer the build marked large (query it by bbox instead)."""


class Store:
    """What both engines share: the build's per-layer facts and the small layers' frames, cached per data version;
    items answered in memory or in SQL. Engines give `data_version`, `_read_infos`, `_read_frame`, `_sql_query`,
    `tile`, `plan_figures` and `build_info`."""

    sql_for_all = False

    def __init__(self, layer_ids: list[str]):
        self.layer_ids = list(layer_ids)
        self._lock = threading.RLock()  # an engine's reader may ask for a layer's facts while a frame loads
        self._frames: dict[str, gpd.GeoDataFrame] = {}
        self._geojson: dict[str, dict[str, bytes]] = {}
        self._infos: dict[str, LayerInfo] = {}
        self._version = None

    def data_version(self):
        raise NotImplementedError

    def invalidate(self) -> None:
        """Read the facts and frames again at the next call (the set of layers changed)."""
        with self._lock:
            self._version = None

    def _check_fresh(self) -> None:
        version = self.data_version()
        if version != self._version:
            self._frames.clear()
            self._geojson.clear()
            infos = {i.layer_id: i for i in self._read_infos()}
            missing = [i for i in self.layer_ids if i not in infos]
            if missing:
                raise DataNotBuiltError(f"the data lacks layers the catalog names: {', '.join(missing)} (a catalog "
                                        "newer than the build: run `make data`)")
            self._infos = infos
            self._version = version

    def verify(self) -> None:
        """DataNotBuiltError now, at start-up, when the data lacks a layer of the catalog."""
        with self._lock:
            self._check_fresh()

    def info(self, layer_id: str) -> LayerInfo:
        if layer_id not in self.layer_ids:
            raise NotFoundError(f"collection '{layer_id}' does not exist")
        with self._lock:
            self._check_fresh()
            return self._infos[layer_id]

    def uses_sql(self, layer_id: str) -> bool:
        return self.sql_for_all or self.info(layer_id).large

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole (small) layer in stable order (by feature_id)."""
        if self.info(layer_id).large:
            raise LayerTooLargeError(f"collection '{layer_id}' is too large to read whole; query it by bbox")
        with self._lock:
            self._check_fresh()
            if layer_id not in self._frames:
                frame = self._read_frame(layer_id).sort_values("feature_id", ignore_index=True)
                _ = frame.sindex  # build the STR-tree once, while holding the lock
                self._frames[layer_id] = frame
                self._geojson[layer_id] = dict(zip(frame["feature_id"], geometry_json(frame.geometry.values),
                                                   strict=True))
            return self._frames[layer_id]

    def geojson_of(self, layer_id: str) -> dict[str, bytes] | None:
        """Each feature's geometry as GeoJSON (CRS84), written once when a small layer is loaded; None for layers
        answered in SQL."""
        if self.uses_sql(layer_id):
            return None
        self.frame(layer_id)
        return self._geojson.get(layer_id)

    def schema(self, layer_id: str) -> dict[str, str]:
        return self.info(layer_id).schema

    def geometry_format(self, layer_id: str) -> str:
        return self.info(layer_id).geometry_format

    def count(self, layer_id: str) -> int:
        return self.info(layer_id).count

    def bbox(self, layer_id: str) -> tuple[float, float, float, float]:
        return self.info(layer_id).bbox

    def query(self, layer_id: str, query: ItemsQuery) -> QueryResult:
        """Features intersecting the bbox, then the attribute filters, the sort order (ties by feature id) and the
        requested page — in memory for small layers, in SQL for large ones."""
        if self.uses_sql(layer_id):
            return self._sql_query(layer_id, query)
        return memory_query(self.frame(layer_id), self.schema(layer_id), query)

    def within(self, layer_id: str, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
        """Every feature intersecting a CRS84 bbox, whatever the layer's size (for analyses)."""
        return self.query(layer_id, ItemsQuery(bbox=bbox, limit=None)).features

    def feature(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        if self.uses_sql(layer_id):
            match = self._sql_query(layer_id, ItemsQuery(limit=1), feature_id).features
        else:
            frame = self.frame(layer_id)
            match = frame[frame["feature_id"] == feature_id]
        if match.empty:
            raise NotFoundError(f"feature '{feature_id[:80]}' does not exist in collection '{layer_id}'")
        return match

    def first_id(self, layer_id: str) -> str | None:
        """The first feature id of a layer in stable order (None when it is empty)."""
        page = self._sql_query(layer_id, ItemsQuery(limit=1, properties=())).features
        return None if page.empty else str(page["feature_id"].iloc[0])


class FeatureStore(Store):
    """The embedded engine: the built GeoPackage, read with SQLite; a rebuild (a new file) is picked up by the next
    call."""

    def __init__(self, gpkg_path: Path, layer_ids: list[str], sql_for_all: bool = False):
        super().__init__(layer_ids)
        self.path = Path(gpkg_path)
        self.sql_for_all = sql_for_all  # answer every layer with the SQL path (least memory)
        self.gpkg = GeoPackage(self.path, SQL_FUNCTIONS)

    def data_version(self) -> str:
        """The stamp of the GeoPackage: changes with every build and every committed write."""
        return self.gpkg.stamp()

    def _read_infos(self) -> list[LayerInfo]:
        names, rows = self.gpkg.columns(f"SELECT * FROM {quote(LAYERS_TABLE)}")
        return [LayerInfo.from_row(dict(zip(names, row, strict=True))) for row in rows]

    def _read_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        frame = pyogrio.read_dataframe(self.path, layer=layer_id).set_crs(WGS84, allow_override=True)
        return with_schema_types(frame, self._infos[layer_id].schema)

    def _sql_query(self, layer_id: str, query: ItemsQuery, feature_id: str | None = None) -> QueryResult:
        return SqlQuery(self, layer_id, query, feature_id).run()

    def geometry_name(self, layer_id: str) -> str:
        return self.gpkg.table(layer_id).geometry

    def envelope_features(self, layer_id: str, bbox: tuple[float, float, float, float],
                          columns: list[str]) -> gpd.GeoDataFrame:
        """Features whose envelope meets a CRS84 bbox, with the given columns, in no particular order (for tiles,
        which clip the geometries themselves): one R-tree lookup for large layers."""
        if not self.uses_sql(layer_id):
            frame = self.frame(layer_id)
            return frame.iloc[np.sort(frame.sindex.query(shapely.box(*bbox)))][[*columns, frame.geometry.name]]
        table = self.gpkg.table(layer_id)
        names = [c for c in columns if c in self.schema(layer_id) or c == "feature_id"]
        sql = (f"SELECT {', '.join('t.' + quote(c) for c in [*names, table.geometry])} FROM {quote(layer_id)} t "
               f"JOIN {table.rtree} r ON t.fid = r.id WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
        rows = self.gpkg.rows(sql, [bbox[2], bbox[0], bbox[3], bbox[1]])
        return rows_frame(rows, names, self.schema(layer_id))

    def tile(self, layer_id: str, address: TileAddress, fields: tuple[str, ...]) -> bytes:
        """A Mapbox Vector Tile of the layer, encoded in Python (geo/tiles.py)."""
        frame = self.envelope_features(layer_id, buffered_lonlat_bbox(address), ["feature_id", *fields])
        return encode_tile(layer_id, frame, address, fields)

    def plan_figures(self) -> pd.DataFrame:
        return pyogrio.read_dataframe(self.path, layer=FIGURES_TABLE, read_geometry=False)

    def build_info(self) -> dict:
        names, rows = self.gpkg.columns(f"SELECT * FROM {quote(META_TABLE)}")
        return dict(zip(names, rows[0], strict=True)) if rows else {}


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


class SqlQuery:
    """One items query of a layer as SQL statements (bound parameters only) over its table and R-tree."""

    def __init__(self, store: FeatureStore, layer_id: str, query: ItemsQuery, feature_id: str | None = None):
        self.store, self.layer_id, self.query = store, layer_id, query
        self.table = store.gpkg.table(layer_id)
        self.schema = store.schema(layer_id)
        self.where: list[str] = []
        self.params: list = []
        if feature_id is not None:
            self._add("feature_id = ?", [feature_id])
        self._conditions()

    def _add(self, sql: str, params: list) -> None:
        self.where.append(sql)
        self.params.extend(params)

    def _conditions(self) -> None:
        q = self.query
        for name, raw in q.equals:
            self._add(f"COALESCE((t.{quote(name)} = ?), 0)", [typed_value(self.schema[name], name, raw)])
        if q.filter is not None:
            clause = translate(q.filter, self.schema, self.table.geometry, self.table.rtree, prefix="t.")
            self._add(clause.sql, clause.params)

    def _from(self) -> tuple[str, list]:
        """The table, joined to its R-tree when a bbox is asked: rows whose envelope lies inside the bbox match,
        rows on its border are tested exactly (the in-memory path's `intersects`)."""
        if self.query.bbox is None:
            return f"{quote(self.layer_id)} t", []
        minx, miny, maxx, maxy = self.query.bbox
        sql = (f"{quote(self.layer_id)} t JOIN {self.table.rtree} r ON t.fid = r.id AND r.minx <= ? AND r.maxx >= ? "
               "AND r.miny <= ? AND r.maxy >= ? AND ((r.minx >= ? AND r.maxx <= ? AND r.miny >= ? AND r.maxy <= ?) OR "
               f"{SPATIAL_FUNCTION}('INTERSECTS', t.{quote(self.table.geometry)}, ?))")
        return sql, [maxx, minx, maxy, miny, minx, maxx, miny, maxy, shapely.to_wkb(shapely.box(*self.query.bbox))]

    def _where(self) -> str:
        return (" WHERE " + " AND ".join(self.where)) if self.where else ""

    def _order(self) -> str:
        keys = [f"(t.{quote(k.name)} IS NULL), t.{quote(k.name)} {'ASC' if k.ascending else 'DESC'}"
                for k in self.query.sortby]
        return " ORDER BY " + ", ".join([*keys, "t.feature_id"])

    def count(self) -> int:
        if not self.where and self.query.bbox is None:
            return self.store.count(self.layer_id)
        source, params = self._from()
        return int(self.store.gpkg.rows(f"SELECT COUNT(*) FROM {source}{self._where()}", [*params, *self.params])[0][0])

    def run(self) -> QueryResult:
        q = self.query
        props = list(self.schema) if q.properties is None else list(q.properties)
        columns = ", ".join(f"t.{quote(c)}" for c in ["feature_id", *props, self.table.geometry])
        source, params = self._from()
        sql = f"SELECT {columns} FROM {source}{self._where()}{self._order()} LIMIT ? OFFSET ?"
        rows = self.store.gpkg.rows(sql, [*params, *self.params, -1 if q.limit is None else q.limit, q.offset])
        return QueryResult(rows_frame(rows, ["feature_id", *props], self.schema), self._matched(len(rows)))

    def _matched(self, returned: int) -> int:
        """Features matched: known from the page when it ends before its limit, else counted."""
        q = self.query
        page_ended = q.limit is None or returned < q.limit
        if page_ended and (returned or q.offset == 0):
            return q.offset + returned
        return self.count()


def rows_frame(rows: list[tuple], names: list[str], schema: dict[str, str]) -> gpd.GeoDataFrame:
    """SQL rows (properties then the geometry blob) as a WGS84 GeoDataFrame with the in-memory path's types."""
    data = pd.DataFrame.from_records([r[:-1] for r in rows], columns=names)
    for name in names:
        if schema.get(name) == "boolean":
            data[name] = data[name].map(lambda v: None if v is None else bool(v))
    geoms = geometries([r[-1] for r in rows]) if rows else np.array([], dtype=object)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)
