"""The PostGIS engine (YIWU_DATABASE_URL): the build loads every layer of the GeoPackage into one table per
collection (geometry EPSG:4326 with a GiST index, the feature id as primary key) and the build's tables beside them,
in a staging schema swapped in one transaction; the store reads PostgreSQL live. Queries are pushed down — bbox with
`&&`/ST_Intersects, CQL2 by pygeofilter's SQLAlchemy backend (bound parameters only, predicates made two-valued as in
the other paths), sortby as ORDER BY, stable paging, tiles with ST_AsMVT — through a psycopg 3 pool of read-only
connections with a statement timeout. Statement triggers keep a version and the row count of every table, so any
client's insert changes the data version every cache is keyed by, and counts need no scan."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyogrio
import shapely
from geoalchemy2 import Geometry
from psycopg import sql
from psycopg_pool import ConnectionPool
from pygeofilter import ast
from pygeofilter.backends.evaluator import handle
from pygeofilter.backends.sqlalchemy.evaluate import SQLAlchemyFilterEvaluator
from sqlalchemy import BigInteger, Boolean, Column, Float, MetaData, Table, Text, and_, func, or_, select
from sqlalchemy.dialects import postgresql

from geo.cql2 import operands
from geo.crs import WGS84
from geo.errors import InvalidParameterError
from geo.filters import typed_value
from geo.layerinfo import FIGURES_TABLE, LAYERS_TABLE, META_TABLE, LayerInfo
from geo.sqlfilter import check_types
from geo.store import ItemsQuery, QueryResult, Store
from geo.tiles import BUFFER, EXTENT, TileAddress, empty_tile

LOGGER = logging.getLogger(__name__)
VERSIONS_TABLE = "_versions"
STATEMENT_TIMEOUT_MS = 5000
GEOMETRY = "geom"
SQL_TYPES = {"string": 'text COLLATE "C"', "integer": "bigint", "number": "double precision", "boolean": "boolean"}
_PREDICATES = (ast.Comparison, ast.Between, ast.Like, ast.In, ast.SpatialComparisonPredicate, ast.BBox)
DIALECT = postgresql.psycopg.dialect()


# ---- loading (the build) ----------------------------------------------------------------------------------------


def _ident(*parts: str) -> sql.Identifier:
    return sql.Identifier(*parts)


def _column_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "bigint"
    if pd.api.types.is_numeric_dtype(series):
        return "double precision"
    return SQL_TYPES["string"]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Python values for COPY: NaN/NaT/NA as None."""
    return frame.astype(object).where(frame.notna(), None)


def copy_table(con: psycopg.Connection, schema: str, name: str, frame: pd.DataFrame, geometry: bool) -> None:
    """Create a table for the frame and COPY its rows in (geometry as EWKB with SRID 4326)."""
    columns = [c for c in frame.columns if c != GEOMETRY and (not geometry or c != frame.geometry.name)]
    defs = [sql.SQL("{} {}").format(_ident(c), sql.SQL(_column_type(frame[c]))) for c in columns]
    if geometry:
        defs.append(sql.SQL("{} geometry(Geometry, 4326)").format(_ident(GEOMETRY)))
    con.execute(sql.SQL("CREATE TABLE {} ({})").format(_ident(schema, name), sql.SQL(", ").join(defs)))
    data = _plain(frame[columns])
    if geometry:
        data[GEOMETRY] = shapely.to_wkb(shapely.set_srid(frame.geometry.values, 4326), hex=True, include_srid=True)
    names = sql.SQL(", ").join(_ident(c) for c in data.columns)
    with con.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(_ident(schema, name), names)) as copy:
        for row in data.itertuples(index=False, name=None):
            copy.write_row(row)


TRIGGERS = """
CREATE TABLE {s}._versions (layer text PRIMARY KEY, version bigint NOT NULL DEFAULT 0, row_count bigint NOT NULL);
CREATE FUNCTION {s}._yiwu_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE delta bigint := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN delta := (SELECT count(*) FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN delta := -(SELECT count(*) FROM old_rows);
  END IF;
  EXECUTE format('UPDATE %I._versions SET version = version + 1, row_count = row_count + $1 WHERE layer = $2',
                 TG_TABLE_SCHEMA) USING delta, TG_TABLE_NAME;
  RETURN NULL;
END $$;
CREATE FUNCTION {s}._yiwu_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('UPDATE %I._versions SET version = version + 1, row_count = 0 WHERE layer = $1', TG_TABLE_SCHEMA)
    USING TG_TABLE_NAME;
  RETURN NULL;
END $$;
"""
TABLE_TRIGGERS = """
CREATE TRIGGER yiwu_inserted AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {s}._yiwu_changed();
CREATE TRIGGER yiwu_updated AFTER UPDATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION {s}._yiwu_changed();
CREATE TRIGGER yiwu_deleted AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {s}._yiwu_changed();
CREATE TRIGGER yiwu_truncated AFTER TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION {s}._yiwu_truncated();
"""


def load_layer(con: psycopg.Connection, schema: str, layer_id: str, frame: gpd.GeoDataFrame) -> None:
    copy_table(con, schema, layer_id, frame, geometry=True)
    table = _ident(schema, layer_id)
    con.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (feature_id)").format(table))
    con.execute(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(table, _ident(GEOMETRY)))
    con.execute(sql.SQL("INSERT INTO {} (layer, row_count) VALUES (%s, %s)").format(
        _ident(schema, VERSIONS_TABLE)), (layer_id, len(frame)))
    con.execute(sql.SQL(TABLE_TRIGGERS.format(t=table.as_string(con), s=_ident(schema).as_string(con))))
    con.execute(sql.SQL("ANALYZE {}").format(table))


def stored_fingerprint(con: psycopg.Connection, schema: str) -> str | None:
    found = con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                        (schema, META_TABLE)).fetchone()
    if not found:
        return None
    row = con.execute(sql.SQL("SELECT fingerprint FROM {}").format(_ident(schema, META_TABLE))).fetchone()
    return row[0] if row else None


def load_postgis(url: str, schema: str, gpkg: Path, layer_ids: list[str], stamp: str, force: bool = False) -> bool:
    """Load the built GeoPackage's layers and tables into `schema`, atomically: everything goes into a staging
    schema, which replaces the old one in a single transaction; a failed load leaves the old one serving.
    False when the database already holds this build."""
    with psycopg.connect(url) as con:
        if not force and stored_fingerprint(con, schema) == stamp:
            return False
        staging = f"{schema}__load_{os.getpid()}"
        con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(staging)))
        con.execute(sql.SQL("CREATE SCHEMA {}").format(_ident(staging)))
        con.execute(sql.SQL(TRIGGERS.format(s=_ident(staging).as_string(con))))
        try:
            for layer_id in layer_ids:
                frame = pyogrio.read_dataframe(gpkg, layer=layer_id)
                load_layer(con, staging, layer_id, frame.rename_geometry(GEOMETRY))
            for table in (LAYERS_TABLE, FIGURES_TABLE, META_TABLE):
                copy_table(con, staging, table, pyogrio.read_dataframe(gpkg, layer=table, read_geometry=False), False)
            con.commit()
        except Exception:
            con.rollback()
            con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(staging)))
            con.commit()
            raise
        swap_schema(con, schema, staging)
    return True


def swap_schema(con: psycopg.Connection, schema: str, staging: str) -> None:
    """Replace `schema` by `staging` in one transaction."""
    old = f"{schema}__old"
    con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(old)))
    exists = con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    if exists:
        con.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(_ident(schema), _ident(old)))
    con.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(_ident(staging), _ident(schema)))
    con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(_ident(old)))
    con.commit()


# ---- CQL2 through pygeofilter's SQLAlchemy backend ------------------------------------------------------------


class _TwoValued(SQLAlchemyFilterEvaluator):
    """pygeofilter's SQLAlchemy evaluator with n-ary AND/OR (no recursion along a chain), predicates made
    two-valued (COALESCE(p, false): a predicate on NULL is false, also under NOT, as in memory and SQLite), LIKE
    with an explicit escape character, and CQL2's BBOX() function."""

    def evaluate(self, node, adopt_result=True):
        if isinstance(node, ast.Combination):
            parts = [self.evaluate(n, False) for n in operands(node, type(node))]
            return and_(*parts) if isinstance(node, ast.And) else or_(*parts)
        result = super().evaluate(node, adopt_result)
        return func.coalesce(result, False) if isinstance(node, _PREDICATES) else result

    @handle(ast.Like)
    def like(self, node, lhs):
        method = lhs.ilike if node.nocase else lhs.like
        expr = method(node.pattern, escape=node.escapechar or "\\")
        return ~expr if node.not_ else expr

    @handle(ast.Function)
    def function(self, node, *arguments):
        if node.name.lower() != "bbox" or len(arguments) < 4:
            raise InvalidParameterError("filter", f"unknown function {node.name}()")
        return func.ST_MakeEnvelope(*arguments[:4], 4326)


def table_of(schema: str, layer_id: str, types: dict[str, str]) -> Table:
    kinds = {"string": Text, "integer": BigInteger, "number": Float, "boolean": Boolean}
    return Table(layer_id, MetaData(schema=schema), Column("feature_id", Text, primary_key=True),
                 *[Column(name, kinds[kind]) for name, kind in types.items()],
                 Column(GEOMETRY, Geometry(srid=4326)))


def cql2_clause(table: Table, root, types: dict[str, str]):
    check_types(root, types)  # the same type rules as the other paths (400 before any SQL runs)
    mapping = {name: table.c[name] for name in types} | {"geometry": table.c[GEOMETRY], GEOMETRY: table.c[GEOMETRY]}
    return _TwoValued(mapping, False).evaluate(root)


# ---- the store ----------------------------------------------------------------------------------------------------


class PostGISStore(Store):
    """Reads the layers from PostGIS; every answer reflects the database as it is now."""

    def __init__(self, url: str, schema: str, layer_ids: list[str], pool_size: int = 4):
        super().__init__(layer_ids)
        self.url, self.db_schema, self.pool_size = url, schema, pool_size
        self.sql_for_all = True  # items are always pushed down; small layers' frames serve the analyses
        self._pool: ConnectionPool | None = None
        self._pool_pid = None
        self._pool_lock = threading.Lock()

    def _configure(self, con: psycopg.Connection) -> None:
        con.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        con.execute("SET default_transaction_read_only = on")
        con.commit()

    def pool(self) -> ConnectionPool:
        """The connection pool of this process (made after a fork, never shared with the parent)."""
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ConnectionPool(self.url, min_size=1, max_size=self.pool_size, configure=self._configure,
                                            open=True, timeout=10)
                self._pool_pid = os.getpid()
            return self._pool

    def fetch(self, statement, params=None) -> list[tuple]:
        with self.pool().connection() as con:
            try:
                return con.execute(statement, params).fetchall()
            except psycopg.errors.QueryCanceled:
                raise InvalidParameterError("filter", f"the query ran over its {STATEMENT_TIMEOUT_MS / 1000:g} s "
                                            "budget; narrow it with bbox or a more selective filter") from None

    def _compiled(self, stmt) -> list[tuple]:
        compiled = stmt.compile(dialect=DIALECT, compile_kwargs={"render_postcompile": True})
        return self.fetch(str(compiled), compiled.params)

    def data_version(self) -> str:
        built, version = self.fetch(sql.SQL("SELECT (SELECT built_at FROM {}), (SELECT sum(version) FROM {})").format(
            _ident(self.db_schema, META_TABLE), _ident(self.db_schema, VERSIONS_TABLE)))[0]
        return f"{built}:{version}"

    def _read_infos(self) -> list[LayerInfo]:
        """The build's facts with the live row count and extent (other clients may have written since)."""
        rows = self.fetch(sql.SQL("SELECT l.layer_id, l.bbox, l.schema, l.geometry_format, l.geometry_bytes, l.large, "
                                  "v.row_count FROM {} l JOIN {} v ON v.layer = l.layer_id").format(
            _ident(self.db_schema, LAYERS_TABLE), _ident(self.db_schema, VERSIONS_TABLE)))
        names = ("layer_id", "bbox", "schema", "geometry_format", "geometry_bytes", "large", "count")
        infos = [LayerInfo.from_row(dict(zip(names, row, strict=True))) for row in rows]
        return [replace(info, bbox=self._extent(info)) for info in infos]

    def _extent(self, info: LayerInfo) -> tuple[float, float, float, float]:
        """The extent now: exact for a small table, PostGIS's estimate (from its statistics) for a large one."""
        table = _ident(self.db_schema, info.layer_id)
        extent = sql.SQL("ST_EstimatedExtent(%s, %s, 'geom')") if info.large else \
            sql.SQL("(SELECT ST_Extent(geom) FROM {})").format(table)
        params = (self.db_schema, info.layer_id) if info.large else None
        row = self.fetch(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT {} AS e) s")
                         .format(extent), params)[0]
        return info.bbox if row[0] is None else tuple(float(v) for v in row)

    def geometry_name(self, layer_id: str) -> str:
        return GEOMETRY

    def table(self, layer_id: str) -> Table:
        return table_of(self.db_schema, layer_id, self.schema(layer_id))

    def _read_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        t = self.table(layer_id)
        rows = self._compiled(select(*[c for c in t.c if c.name != GEOMETRY], func.ST_AsBinary(t.c[GEOMETRY])))
        return rows_to_frame(rows, [c.name for c in t.c if c.name != GEOMETRY], self.schema(layer_id))

    def _sql_query(self, layer_id: str, query: ItemsQuery, feature_id: str | None = None) -> QueryResult:
        t, types = self.table(layer_id), self.schema(layer_id)
        where = self._conditions(t, types, query) + ([t.c.feature_id == feature_id] if feature_id else [])
        props = list(types) if query.properties is None else list(query.properties)
        stmt = select(t.c.feature_id, *[t.c[p] for p in props], func.ST_AsBinary(t.c[GEOMETRY])).where(*where)
        order = [k for key in query.sortby for k in (t.c[key.name].is_(None),
                                                      t.c[key.name].asc() if key.ascending else t.c[key.name].desc())]
        stmt = stmt.order_by(*order, t.c.feature_id).offset(query.offset)
        rows = self._compiled(stmt if query.limit is None else stmt.limit(query.limit))
        frame = rows_to_frame(rows, ["feature_id", *props], types)
        return QueryResult(frame, self._matched(layer_id, t, where, query, len(rows)))

    def _conditions(self, t: Table, types: dict[str, str], query: ItemsQuery) -> list:
        where = []
        if query.bbox is not None:
            envelope = func.ST_MakeEnvelope(*query.bbox, 4326)
            where.append(and_(t.c[GEOMETRY].op("&&")(envelope), func.ST_Intersects(t.c[GEOMETRY], envelope)))
        for name, raw in query.equals:
            where.append(func.coalesce(t.c[name] == typed_value(types[name], name, raw), False))
        if query.filter is not None:
            where.append(cql2_clause(t, query.filter, types))
        return where

    def _matched(self, layer_id: str, t: Table, where: list, query: ItemsQuery, returned: int) -> int:
        """Features matched: from the page when it ends before its limit, the maintained row count when nothing
        filters, else counted."""
        if (query.limit is None or returned < query.limit) and (returned or query.offset == 0):
            return query.offset + returned
        if not where:
            return self.count(layer_id)
        return int(self._compiled(select(func.count()).select_from(t).where(*where))[0][0])

    def tile(self, layer_id: str, address: TileAddress, fields: tuple[str, ...]) -> bytes:
        """A Mapbox Vector Tile made by PostGIS (ST_AsMVTGeom clips with a buffer and snaps; ST_AsMVT encodes)."""
        columns = [f for f in fields if f in self.schema(layer_id)]
        props = sql.SQL("").join(sql.SQL(", t.{}").format(_ident(c)) for c in columns)
        statement = sql.SQL(
            "SELECT ST_AsMVT(q, %(layer)s, {extent}, 'geom') FROM (SELECT t.feature_id{props}, "
            "ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {extent}, {buffer}, true) "
            "AS geom FROM {table} t WHERE t.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, "
            "margin => {margin}), 4326)) q WHERE q.geom IS NOT NULL").format(
            props=props, table=_ident(self.db_schema, layer_id), extent=sql.Literal(EXTENT),
            buffer=sql.Literal(BUFFER), margin=sql.Literal(BUFFER / EXTENT))
        data = self.fetch(statement, {"layer": layer_id, "z": address.z, "x": address.x, "y": address.y})[0][0]
        return bytes(data) if data else empty_tile(layer_id)  # ST_AsMVT of no row is empty: a tile with the layer

    def plan_figures(self) -> pd.DataFrame:
        with self.pool().connection() as con:
            cursor = con.execute(sql.SQL("SELECT * FROM {}").format(_ident(self.db_schema, FIGURES_TABLE)))
            return pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])

    def build_info(self) -> dict:
        with self.pool().connection() as con:
            cursor = con.execute(sql.SQL("SELECT * FROM {}").format(_ident(self.db_schema, META_TABLE)))
            row = cursor.fetchone()
            return dict(zip([d.name for d in cursor.description], row, strict=True)) if row else {}


def rows_to_frame(rows: list[tuple], names: list[str], types: dict[str, str]) -> gpd.GeoDataFrame:
    """Rows (properties, then WKB) as a WGS84 GeoDataFrame with the other paths' values."""
    data = pd.DataFrame.from_records([r[:-1] for r in rows], columns=names)
    geoms = shapely.from_wkb([None if r[-1] is None else bytes(r[-1]) for r in rows]) if rows else np.array([], dtype=object)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)

