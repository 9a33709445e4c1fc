"""The embedded engine: the built GeoPackage and the workspace GeoPackage beside it, read with SQLite itself, written
through SQLAlchemy (SQLite) and GDAL. A rebuild (a new file) or any committed write changes a file's stamp, which
the next snapshot reads. Large layers are answered by SQL over their R-tree; tiles are encoded in Python."""

from __future__ import annotations

import fcntl
import logging
import os
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import bindparam, create_engine, event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from geo.core.crs import WGS84
from geo.core.settings import Settings
from geo.query.sql import Table, quote
from geo.query.sqlite import ENVELOPE_BYTES, SQL_FUNCTIONS, SQLiteDialect, gpkg_blob, wkb_of
from geo.store.base import Engine, LayerReader, Version, rows_frame, with_schema_types
from geo.store.layerinfo import LAYERS_TABLE, LayerInfo
from geo.store.lock import build_lock, temp_name
from geo.store.pyramids import Pyramids
from geo.store.sqlite import GeoPackage, sqlite_stamp
from geo.store.workspace import JOBS, LAYER_FACTS, create_tables, job_query, now_iso
from geo.tiles.mvt import TileAddress, buffered_lonlat_bbox, encode_tile

LOGGER = logging.getLogger(__name__)
SQLITE_BUSY_SECONDS = 10
APPEND_ONLY = [
    "CREATE TRIGGER IF NOT EXISTS ws_audit_no_update BEFORE UPDATE ON ws_audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS ws_audit_no_delete BEFORE DELETE ON ws_audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
]
GPKG_META_TABLES = ("gpkg_geometry_columns", "gpkg_contents", "gpkg_ogr_contents", "gpkg_extensions")


# ---- the ST_ functions the GeoPackage R-tree triggers call when SQLAlchemy writes ------------------------------


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a blob: from its header when it has one, else from the geometry."""
    if blob is None or blob[3] & 0x10:
        return None
    if ENVELOPE_BYTES[(blob[3] >> 1) & 7]:
        return struct.unpack("<4d" if blob[3] & 1 else ">4d", blob[8:40])
    geometry = shapely.from_wkb(blob[8:])
    if geometry.is_empty:
        return None
    minx, miny, maxx, maxy = geometry.bounds
    return minx, maxx, miny, maxy


def _st(index: int):
    def function(blob):
        envelope = _envelope(blob)
        return None if envelope is None else envelope[index]
    return function


ST_FUNCTIONS = {"ST_MinX": _st(0), "ST_MaxX": _st(1), "ST_MinY": _st(2), "ST_MaxY": _st(3),
                "ST_IsEmpty": lambda blob: None if blob is None else int(_envelope(blob) is None)}


def register_st_functions(dbapi_connection, _record=None) -> None:
    for name, function in ST_FUNCTIONS.items():
        dbapi_connection.create_function(name, 1, function, deterministic=True)


# ---- reading --------------------------------------------------------------------------------------------------


class GeoPackageReader(LayerReader):
    """The layers of one GeoPackage file (the build's, or the workspace's imports)."""

    dialect = SQLiteDialect()

    def __init__(self, path: Path, layer_ids: list[str], sql_for_all: bool = False):
        super().__init__(layer_ids)
        self.path = Path(path)
        self.sql_for_all = sql_for_all  # answer every layer with the SQL path (least memory)
        self.gpkg = GeoPackage(self.path, SQL_FUNCTIONS)
        self._geometry_columns: dict[str, str] = {}

    def read_version(self) -> str:
        """The file's stamp: changes with every build and every committed write."""
        return self.gpkg.stamp()

    def on_version(self, version: str) -> None:
        self.gpkg.use(version)
        self._geometry_columns.clear()

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self.gpkg.rows(sql, params)

    def columns(self, sql: str, params: Sequence = ()) -> tuple[list[str], list[tuple]]:
        return self.gpkg.columns(sql, params)

    def _read_infos(self) -> list[LayerInfo]:
        names, rows = self.gpkg.columns(f"SELECT * FROM {quote(LAYERS_TABLE)}")
        return [LayerInfo.from_row(dict(zip(names, row, strict=True))) for row in rows]

    def _read_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        frame = pyogrio.read_dataframe(self.path, layer=layer_id).set_crs(WGS84, allow_override=True)
        return with_schema_types(frame, self._infos[layer_id].schema)

    def table(self, layer_id: str) -> Table:
        if layer_id not in self._geometry_columns:
            self._geometry_columns[layer_id] = self.gpkg.geometry_column(layer_id)
        geometry = self._geometry_columns[layer_id]
        return Table(quote(layer_id), geometry, self.info(layer_id).schema, quote(f"rtree_{layer_id}_{geometry}"))

    def envelope_features(self, layer_id: str, bbox: tuple[float, float, float, float],
                          columns: list[str]) -> gpd.GeoDataFrame:
        """Features whose envelope meets a CRS84 bbox, with the given columns, in no particular order (for tiles,
        which clip the geometries themselves): one R-tree lookup for large layers."""
        if not self.uses_sql(layer_id):
            frame = self.frame(layer_id)
            return frame.iloc[np.sort(frame.sindex.query(shapely.box(*bbox)))][[*columns, frame.geometry.name]]
        table = self.table(layer_id)
        names = [c for c in columns if c in table.schema or c == "feature_id"]
        sql = (f"SELECT {', '.join('t.' + quote(c) for c in [*names, table.geometry])} FROM {table.name} t "
               f"JOIN {table.index} r ON t.fid = r.id WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
        rows = self.gpkg.rows(sql, [bbox[2], bbox[0], bbox[3], bbox[1]])
        return rows_frame(rows, names, table.schema, self.dialect)

    def tile(self, layer_id: str, address: TileAddress, fields: tuple[str, ...]) -> bytes:
        """A Mapbox Vector Tile of the layer, encoded in Python (geo/tiles/mvt.py)."""
        frame = self.envelope_features(layer_id, buffered_lonlat_bbox(address), ["feature_id", *fields])
        return encode_tile(layer_id, frame, address, fields)


# ---- the engine -----------------------------------------------------------------------------------------------


def _create_geopackage(path: Path) -> None:
    """A new GeoPackage, made by GDAL so every other GIS reads it, holding one small table that says what it is."""
    info = pd.DataFrame({"key": ["purpose", "created_at"],
                         "value": ["Yiwu planning map service workspace: imported layers, edits, accounts, audit "
                                   "trail", now_iso()]})
    temp = temp_name(path)
    pyogrio.write_dataframe(info, temp, layer="ws_info", driver="GPKG")
    os.replace(temp, path)
    LOGGER.info("workspace created: %s", path)


class GeoPackageEngine(Engine):
    """The embedded engine (the default): the build's GeoPackage and the workspace GeoPackage
    (YIWU_WORKSPACE_PATH, default DATA_DIR/workspace/workspace.gpkg; QGIS opens both as they are)."""

    name = "gpkg"

    def __init__(self, settings: Settings, layer_ids: list[str]):
        self.settings = settings
        self.workspace_path = Path(settings.workspace)
        self.sql = create_engine(f"sqlite:///{self.workspace_path}", poolclass=NullPool,
                                 connect_args={"timeout": SQLITE_BUSY_SECONDS, "isolation_level": None})
        event.listen(self.sql, "connect", register_st_functions)
        super().__init__(GeoPackageReader(settings.gpkg, layer_ids, settings.sql_all_layers),
                         GeoPackageReader(self.workspace_path, [], settings.sql_all_layers), Pyramids.of(settings))

    def _open_workspace(self) -> None:
        path = self.workspace_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with build_lock(path.parent):  # one creator, even when several workers start at once
            if not path.exists():
                _create_geopackage(path)
        with self._begin() as con:
            create_tables(con)
            for statement in APPEND_ONLY:
                con.exec_driver_sql(statement)

    def read_versions(self) -> Version:
        """The two files' stamps (a stat and 28 header bytes each)."""
        return Version(sqlite_stamp(self.settings.gpkg), sqlite_stamp(self.workspace_path))

    # -- writing

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE: two writers queue instead of failing mid-way."""
        with self.sql.connect() as con:
            con.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.exec_driver_sql("ROLLBACK")
                raise
            con.exec_driver_sql("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.sql.connect() as con:
            yield con

    def feature_table(self, layer_id: str) -> str:
        return quote(layer_id)

    def geometry_read(self, column: str) -> str:
        return quote(column)

    def decode_geometry(self, value) -> shapely.Geometry | None:
        return None if value is None else shapely.from_wkb(wkb_of(bytes(value)))

    def geometry_write(self, name: str) -> str:
        return f":{name}"

    def encode_geometry(self, geometry: shapely.Geometry) -> bytes:
        return gpkg_blob(shapely.force_2d(geometry))

    def numeric_ids(self) -> str:
        return "feature_id NOT GLOB '*[^0-9]*' AND length(feature_id) BETWEEN 1 AND 18"

    def keep_facts(self, con: Connection, layer_id: str, geometry: shapely.Geometry | None, delta: int) -> None:
        row = con.execute(select(LAYER_FACTS.c.count, LAYER_FACTS.c.bbox).where(LAYER_FACTS.c.layer_id == layer_id)).one()
        bbox = orjson.loads(row.bbox)
        if geometry is not None:  # grow the extent to hold the new geometry (a delete leaves it holding all)
            minx, miny, maxx, maxy = geometry.bounds
            bbox = [min(bbox[0], minx), min(bbox[1], miny), max(bbox[2], maxx), max(bbox[3], maxy)]
        con.execute(update(LAYER_FACTS).where(LAYER_FACTS.c.layer_id == bindparam("lid"))
                    .values(count=row.count + delta, bbox=orjson.dumps(bbox).decode()), {"lid": layer_id})

    @contextmanager
    def import_lock(self) -> Iterator[None]:
        """GDAL writes an imported table outside our transaction: one import at a time."""
        with open(self.workspace_path.with_name(".import.lock"), "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def write_table(self, layer_id: str, frame: gpd.GeoDataFrame) -> None:
        pyogrio.write_dataframe(frame, self.workspace_path, layer=layer_id, driver="GPKG", spatial_index=True)

    def finish_table(self, con: Connection, layer_id: str, frame: gpd.GeoDataFrame) -> None:
        con.exec_driver_sql(f'CREATE UNIQUE INDEX {quote("idx_" + layer_id + "_feature_id")} ON {quote(layer_id)} '
                            "(feature_id)")

    def drop_table(self, con: Connection, layer_id: str) -> None:
        """Drop a feature table and everything GeoPackage keeps about it, in the caller's transaction."""
        geometry = con.exec_driver_sql("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                                       (layer_id,)).scalar()
        if geometry:
            con.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(f'rtree_{layer_id}_{geometry}')}")
        for meta in GPKG_META_TABLES:
            if con.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (meta,)).first():
                con.exec_driver_sql(f"DELETE FROM {meta} WHERE lower(table_name) = lower(?)", (layer_id,))
        con.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(layer_id)}")

    def feature_tables(self) -> set[str]:
        with self.read() as con:
            return {row[0] for row in con.exec_driver_sql(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")}

    def drop_unregistered(self, registered: set[str]) -> list[str]:
        orphans = sorted(self.feature_tables() - registered)
        for table in orphans:
            with self.begin() as con:
                self.drop_table(con, table)
            LOGGER.warning("workspace: removed table %s, left by an interrupted import", table)
        return orphans

    # -- loading

    # -- jobs (issue 24): rows of ws_jobs in the workspace GeoPackage, each write its own BEGIN IMMEDIATE

    def insert_job(self, row: dict) -> None:
        with self.begin() as con:
            con.execute(insert(JOBS).values(**row))

    def update_job(self, job_id: str, values: dict, statuses: tuple[str, ...] | None = None) -> bool:
        statement = update(JOBS).where(JOBS.c.id == job_id).values(**values)
        if statuses is not None:
            statement = statement.where(JOBS.c.status.in_(statuses))
        with self.begin() as con:
            return con.execute(statement).rowcount == 1

    def read_jobs(self, job_id: str | None = None, owner: str | None = None, statuses: tuple[str, ...] = (),
                  limit: int = 100) -> list[dict]:
        with self.read() as con:
            return [dict(row._mapping) for row in con.execute(job_query(job_id, owner, statuses, limit))]

    def load(self, layer_ids: list[str], stamp: str, force: bool = False) -> bool:
        """Nothing to load: the build writes the GeoPackage this engine reads."""
        return False

    def close(self) -> None:
        self.sql.dispose()
