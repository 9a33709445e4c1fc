"""The PostGIS engine (YIWU_DATABASE_URL): the build loads every layer of the GeoPackage into one table per
collection (geometry EPSG:4326 with a GiST index, the feature id as primary key) and the build's tables beside them,
in a staging schema swapped in one transaction; the workspace is a schema of its own. The readers read PostgreSQL
live through a psycopg 3 pool of read-only connections with a statement timeout: queries are pushed down by the
shared SQL builder in the PostGIS dialect (bound parameters only), tiles made by ST_AsMVT. Statement triggers keep a
version and the row count of every table, so any client's insert changes the data version every cache is keyed by,
and counts need no scan; one query reads the build's and the workspace's versions together. With
YIWU_DATABASE_REPLICAS the reads go to hot standbys that have replayed the client's last write, and writes stay on
the primary (geo/store/routing.py)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pyogrio
import shapely
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout
from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import InterfaceError, OperationalError

from geo.core.errors import DatabaseUnavailableError, DataNotBuiltError, InvalidParameterError
from geo.core.settings import Settings
from geo.query.postgis import PostGISDialect
from geo.query.sql import SelectQuery, Table, quote
from geo.store.base import Engine, LayerReader, Version, rows_frame
from geo.store.layerinfo import FIGURES_TABLE, LAYERS_TABLE, META_TABLE, LayerInfo
from geo.store.pyramids import Pyramids
from geo.store.routing import ROUTE, UNKNOWN_POSITION, Replicas, needed_position, note_written, parse_lsn
from geo.store.workspace import AUDIT, JOBS, LAYERS, create_tables, job_query, now_iso
from geo.tiles.mvt import BUFFER, EXTENT, TileAddress, empty_tile

LOGGER = logging.getLogger(__name__)
VERSIONS_TABLE = "_versions"
STATEMENT_TIMEOUT_MS = 5000
GEOMETRY = "geom"
SQL_TYPES = {"string": 'text COLLATE "C"', "integer": "bigint", "number": "double precision", "boolean": "boolean"}
REPLICA_WAIT_SECONDS = 2  # how long a read waits for a replica's connection before the primary answers it
COMMIT_CHECK_SECONDS = 30  # how long a write whose COMMIT broke off waits for the primary to say whether it committed
BUILT_POOL, WORKSPACE_POOL = 4, 2  # connections per process: the build's layers, the imported ones
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION {s}.ws_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
DROP TRIGGER IF EXISTS ws_audit_append_only ON {s}.ws_audit;
CREATE TRIGGER ws_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {s}.ws_audit
  FOR EACH STATEMENT EXECUTE FUNCTION {s}.ws_audit_append_only();
"""


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


# ---- reading ----------------------------------------------------------------------------------------------------


class PostGISReader(LayerReader):
    """The layers of one schema (the build's, or the workspace's imports); every answer reflects the database as it
    is at the snapshot."""

    dialect = PostGISDialect()
    sql_for_all = True  # items are always pushed down; small layers' frames serve the analyses

    def __init__(self, url: str, schema: str, layer_ids: list[str], pool_size: int = BUILT_POOL,
                 replicas: Replicas | None = None):
        super().__init__(layer_ids)
        self.url, self.db_schema, self.pool_size = url, schema, pool_size
        self.replicas = replicas if replicas is not None else Replicas(())
        self.served: Counter[str] = Counter()  # statements answered, per server URL (which one read what)
        self._pools: dict[str, ConnectionPool] = {}
        self._pool_pid = None
        self._pool_lock = threading.Lock()

    def _configure(self, con: psycopg.Connection) -> None:
        con.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        con.execute("SET default_transaction_read_only = on")
        con.commit()

    def pool(self, url: str | None = None) -> ConnectionPool:
        """The connection pool of this process to a server (the primary by default; made after a fork, never shared
        with the parent). A replica's pool waits little for a connection: the primary answers when it cannot."""
        url = url or self.url
        with self._pool_lock:
            if self._pool_pid != os.getpid():
                self._pools, self._pool_pid = {}, os.getpid()
            if url not in self._pools:
                wait = 10 if url == self.url else REPLICA_WAIT_SECONDS
                self._pools[url] = ConnectionPool(url, min_size=1, max_size=self.pool_size, configure=self._configure,
                                                  open=True, timeout=wait)
            return self._pools[url]

    def close(self) -> None:
        with self._pool_lock:
            if self._pool_pid == os.getpid():
                for pool in self._pools.values():
                    pool.close()
            self._pools = {}

    def run_at(self, url: str, statement, params: Sequence | dict | None = None) -> tuple[list[str], list[tuple]]:
        """One statement on one server; a statement over its budget is the client's 400, a broken connection or
        server raises psycopg's OperationalError or the pool's PoolTimeout."""
        with self.pool(url).connection() as con:
            try:
                cursor = con.execute(statement, params)
            except psycopg.errors.QueryCanceled:
                raise InvalidParameterError("filter", f"the query ran over its {STATEMENT_TIMEOUT_MS / 1000:g} s "
                                            "budget; narrow it with bbox or a more selective filter") from None
            result = [d.name for d in cursor.description], cursor.fetchall()
        self.served[url] += 1
        return result

    def columns(self, statement, params: Sequence | dict | None = None) -> tuple[list[str], list[tuple]]:
        """On the server this request's snapshot chose (routing.ROUTE); a failing replica's reads go to the primary."""
        route = ROUTE.get()
        if route is not None and route in self.replicas:
            try:
                return self.run_at(route, statement, params)
            except (psycopg.Error, PoolTimeout) as exc:  # down, or not yet holding a table the primary made
                LOGGER.warning("replica failed, reading the primary: %s", exc)
                self.replicas.failed(route, isinstance(exc, (psycopg.OperationalError, PoolTimeout)))
                ROUTE.set(None)
        for attempt in (1, 2):  # a read is repeated once, after the pool dropped what a restart of the server broke
            try:
                return self.run_at(self.url, statement, params)
            except psycopg.OperationalError as exc:
                if attempt == 1:
                    self.pool(self.url).check()
                    continue
                raise DatabaseUnavailableError(f"the database is unavailable ({type(exc).__name__}); try again "
                                               "shortly") from exc
            except PoolTimeout as exc:
                raise DatabaseUnavailableError("the database is unavailable (no connection); try again shortly") \
                    from exc

    def rows(self, statement, params: Sequence | dict | None = None) -> list[tuple]:
        return self.columns(statement, params)[1]

    def table_name(self, name: str) -> str:
        return f"{quote(self.db_schema)}.{quote(name)}"

    def read_version(self) -> str:
        built, version = self.rows(f"SELECT (SELECT built_at FROM {self.table_name(META_TABLE)}), "
                                   f"(SELECT sum(version) FROM {self.table_name(VERSIONS_TABLE)})")[0]
        return f"{built}:{version}"

    def _read_infos(self) -> list[LayerInfo]:
        """The build's facts with the live row count and extent (other clients may have written since)."""
        rows = self.rows(f"SELECT l.layer_id, l.bbox, l.schema, l.geometry_format, l.geometry_bytes, l.large, "
                         f"v.row_count FROM {self.table_name(LAYERS_TABLE)} l JOIN {self.table_name(VERSIONS_TABLE)} v "
                         "ON v.layer = l.layer_id")
        names = ("layer_id", "bbox", "schema", "geometry_format", "geometry_bytes", "large", "count")
        infos = [LayerInfo.from_row(dict(zip(names, row, strict=True))) for row in rows]
        return [replace(info, bbox=self._extent(info)) for info in infos]

    def _extent(self, info: LayerInfo) -> tuple[float, float, float, float]:
        """The extent now: exact for a small table, PostGIS's estimate (from its statistics) for a large one."""
        table = _ident(self.db_schema, info.layer_id)
        extent = sql.SQL("ST_EstimatedExtent(%s, %s, 'geom')") if info.large else \
            sql.SQL("(SELECT ST_Extent(geom) FROM {})").format(table)
        params = (self.db_schema, info.layer_id) if info.large else None
        row = self.rows(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT {} AS e) s")
                         .format(extent), params)[0]
        return info.bbox if row[0] is None else tuple(float(v) for v in row)

    def table(self, layer_id: str) -> Table:
        return Table(self.table_name(layer_id), GEOMETRY, self.info(layer_id).schema)

    def _read_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        select_ = SelectQuery(self.dialect, self.table(layer_id))
        rows = self.rows(*select_.page(None, 0))
        return rows_frame(rows, ["feature_id", *select_.columns()], select_.table.schema, self.dialect)

    def tile(self, layer_id: str, address: TileAddress, fields: tuple[str, ...]) -> bytes:
        """A Mapbox Vector Tile made by PostGIS (ST_AsMVTGeom clips with a buffer and snaps; ST_AsMVT encodes)."""
        columns = [f for f in fields if f in self.info(layer_id).schema]
        props = sql.SQL("").join(sql.SQL(", t.{}").format(_ident(c)) for c in columns)
        statement = sql.SQL(
            "SELECT ST_AsMVT(q, %(layer)s, {extent}, 'geom') FROM (SELECT t.feature_id{props}, "
            "ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {extent}, {buffer}, true) "
            "AS geom FROM {table} t WHERE t.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, "
            "margin => {margin}), 4326)) q WHERE q.geom IS NOT NULL").format(
            props=props, table=_ident(self.db_schema, layer_id), extent=sql.Literal(EXTENT),
            buffer=sql.Literal(BUFFER), margin=sql.Literal(BUFFER / EXTENT))
        data = self.rows(statement, {"layer": layer_id, "z": address.z, "x": address.x, "y": address.y})[0][0]
        return bytes(data) if data else empty_tile(layer_id)  # ST_AsMVT of no row is empty: a tile with the layer



# ---- the engine -----------------------------------------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1).replace("postgres://", "postgresql+psycopg://", 1)


class PostGISEngine(Engine):
    """PostgreSQL/PostGIS (YIWU_DATABASE_URL): the build's layers in YIWU_DATABASE_SCHEMA, the workspace in
    YIWU_WORKSPACE_SCHEMA, written through SQLAlchemy (psycopg 3) with the audit row in the same transaction."""

    name = "postgis"

    def __init__(self, settings: Settings, layer_ids: list[str]):
        self.settings, self.url = settings, settings.database_url
        self.db_schema, self.workspace_schema = settings.database_schema, settings.workspace_schema
        self.sql = create_engine(sqlalchemy_url(self.url), pool_size=2, max_overflow=4, pool_pre_ping=True,
                                 execution_options={"schema_translate_map": {None: self.workspace_schema}})
        self.replicas = Replicas(settings.database_replicas)  # reads go to them (geo/store/routing.py)
        super().__init__(PostGISReader(self.url, self.db_schema, layer_ids, BUILT_POOL, self.replicas),
                         PostGISReader(self.url, self.workspace_schema, [], WORKSPACE_POOL, self.replicas),
                         Pyramids.of(settings))

    def _open_workspace(self) -> None:
        """Create what is missing (schema, tables, append-only triggers, the readers' tables); one creator at a time,
        even when several workers start together."""
        schema = self.workspace_schema
        with self._begin() as con:
            con.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
            con.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}"))
            create_tables(con)
            con.exec_driver_sql(APPEND_ONLY.format(s=quote(schema)))
            found = con.exec_driver_sql("SELECT 1 FROM information_schema.tables WHERE table_schema = %(s)s AND "
                                        "table_name = '_versions'", {"s": schema}).first()
            if not found:  # what the reader reads beside the layers, as in a built schema
                con.connection.driver_connection.execute(TRIGGERS.format(s=quote(schema)))  # no placeholders parsed
                con.exec_driver_sql(f"CREATE TABLE {quote(schema)}.{quote(META_TABLE)} (fingerprint text, built_at text)")
                con.exec_driver_sql(f"INSERT INTO {quote(schema)}.{quote(META_TABLE)} VALUES (%(f)s, %(t)s)",
                                    {"f": "workspace", "t": now_iso()})

    def read_versions(self) -> Version:
        """One query: the build's stamp and change count, the workspace's, its last audit row and its layers — on a
        replica that has replayed this client's last write (routing.py), else on the primary. The request's later
        reads go where this one went (routing.ROUTE)."""
        needed = needed_position()
        for url in self.replicas.healthy():
            try:
                row = self.built.run_at(url, self._versions_sql() + ", pg_last_wal_replay_lsn()::text")[1][0]
            except (psycopg.Error, PoolTimeout) as exc:  # down, or not yet holding the workspace's tables
                LOGGER.warning("replica %s failed, reading the primary: %s", url, exc)
                self.replicas.failed(url, isinstance(exc, (psycopg.OperationalError, PoolTimeout)))
                continue
            replayed = parse_lsn(row[-1])
            if needed is None or (replayed is not None and replayed >= needed):
                ROUTE.set(url)
                return self._version_of(row)
        ROUTE.set(None)
        return self._version_of(self.built.rows(self._versions_sql())[0])

    def _versions_sql(self) -> str:
        b, w = self.built, self.imported
        return (f"SELECT (SELECT built_at FROM {b.table_name(META_TABLE)}), "
                f"(SELECT sum(version) FROM {b.table_name(VERSIONS_TABLE)}), "
                f"(SELECT built_at FROM {w.table_name(META_TABLE)}), "
                f"(SELECT sum(version) FROM {w.table_name(VERSIONS_TABLE)}), "
                f"(SELECT max(seq) FROM {w.table_name(AUDIT.name)}), "
                f"(SELECT count(*) FROM {w.table_name(LAYERS.name)})")

    @staticmethod
    def _version_of(row: tuple) -> Version:
        return Version(f"{row[0]}:{row[1]}", f"{row[2]}:{row[3]}:{row[4]}:{row[5]}")

    def set_imported(self, layer_ids: list[str]) -> None:
        """As the base class; a replica that has not replayed a layer the primary registered just now leaves this
        request's reads to the primary."""
        try:
            super().set_imported(layer_ids)
        except DataNotBuiltError:
            if ROUTE.get() is None:
                raise
            ROUTE.set(None)
            self.imported.invalidate()
            self.imported.refresh(self._version.workspace)

    # -- writing

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction on the primary. A broken connection or server is a 503 (not acknowledged) — unless it
        broke during the COMMIT of a transaction that did commit (asked by its id once the server answers again):
        then the write is acknowledged as it should be. With replicas, the WAL position after the commit is noted
        for read-your-writes (routing.py)."""
        xid = None
        try:
            with self.sql.connect() as con:
                with con.begin():
                    yield con
                    xid = con.exec_driver_sql("SELECT txid_current()").scalar()
                if self.replicas.urls:
                    note_written(parse_lsn(con.exec_driver_sql("SELECT pg_current_wal_insert_lsn()::text").scalar()))
                    con.rollback()
        except (OperationalError, InterfaceError) as exc:
            if xid is None or not self._committed(xid):
                raise DatabaseUnavailableError(f"the database is unavailable ({type(exc.orig).__name__}); the change "
                                               "was not made: try again shortly") from exc
            LOGGER.warning("the connection broke after transaction %s committed: acknowledged", xid)
            if self.replicas.urls:
                note_written(UNKNOWN_POSITION)  # where exactly is unknown: this client reads the primary for a while

    def _committed(self, xid: int) -> bool:
        """Whether a transaction committed, asked of the primary once it answers again (txid_status: PostgreSQL's
        way to settle a COMMIT whose answer was lost); DatabaseUnavailableError when it does not answer in time."""
        deadline = time.monotonic() + COMMIT_CHECK_SECONDS
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2, autocommit=True) as con:
                    return con.execute("SELECT txid_status(%s)", (xid,)).fetchone()[0] == "committed"
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise DatabaseUnavailableError(f"the database broke off during a commit and has not answered for "
                                                   f"{COMMIT_CHECK_SECONDS} s: whether the change was made is "
                                                   "unknown; look before repeating it") from exc
                time.sleep(0.2)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.sql.connect() as con:
                yield con
        except (OperationalError, InterfaceError) as exc:
            raise DatabaseUnavailableError(f"the database is unavailable ({type(exc.orig).__name__}); try again "
                                           "shortly") from exc

    def feature_table(self, layer_id: str) -> str:
        return f"{quote(self.workspace_schema)}.{quote(layer_id)}"

    def geometry_read(self, column: str) -> str:
        return f"ST_AsBinary({quote(column)})"

    def decode_geometry(self, value) -> shapely.Geometry | None:
        return None if value is None else shapely.from_wkb(bytes(value))

    def geometry_write(self, name: str) -> str:
        return f"ST_GeomFromWKB(:{name}, 4326)"

    def encode_geometry(self, geometry: shapely.Geometry) -> bytes:
        return shapely.to_wkb(geometry, output_dimension=2, byte_order=1)

    def numeric_ids(self) -> str:
        return "feature_id ~ '^[0-9]{1,18}$'"

    def keep_facts(self, con: Connection, layer_id: str, geometry: shapely.Geometry | None, delta: int) -> None:
        """Nothing to keep: the change triggers count the rows and the reader measures the extent live."""

    def import_lock(self):
        """No lock: a layer's table is created and registered in one transaction."""
        return nullcontext()

    def write_table(self, layer_id: str, frame: gpd.GeoDataFrame) -> None:
        """Nothing before the transaction: the table is made inside it (finish_table)."""

    def finish_table(self, con: Connection, layer_id: str, frame: gpd.GeoDataFrame) -> None:
        """The table, its indexes and change triggers, in the caller's transaction (psycopg's COPY underneath)."""
        load_layer(con.connection.driver_connection, self.workspace_schema, layer_id, frame.rename_geometry(GEOMETRY))

    def drop_table(self, con: Connection, layer_id: str) -> None:
        con.execute(text(f"DROP TABLE {self.feature_table(layer_id)}"))
        con.execute(text(f"DELETE FROM {quote(self.workspace_schema)}.{quote(VERSIONS_TABLE)} WHERE layer = :id"),
                    {"id": layer_id})

    def feature_tables(self) -> set[str]:
        with self.read() as con:
            found = con.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                                {"s": self.workspace_schema})
            registered_or_not = {row[0] for row in found}
        return {t for t in registered_or_not if not t.startswith(("ws_", "_"))}

    def drop_unregistered(self, registered: set[str]) -> list[str]:
        """None is ever left: an import creates and registers its table in one transaction."""
        return []

    # -- loading

    # -- jobs (issue 24): rows of ws_jobs in the workspace schema; a conditional change is one UPDATE … RETURNING

    def insert_job(self, row: dict) -> None:
        with self.begin() as con:
            con.execute(insert(JOBS).values(**row))

    def update_job(self, job_id: str, values: dict, statuses: tuple[str, ...] | None = None) -> bool:
        statement = update(JOBS).where(JOBS.c.id == job_id).values(**values).returning(JOBS.c.id)
        if statuses is not None:
            statement = statement.where(JOBS.c.status.in_(statuses))
        with self.begin() as con:
            return con.execute(statement).first() is not None

    def read_jobs(self, job_id: str | None = None, owner: str | None = None, statuses: tuple[str, ...] = (),
                  limit: int = 100) -> list[dict]:
        with self.read() as con:
            return [dict(row._mapping) for row in con.execute(job_query(job_id, owner, statuses, limit))]

    def load(self, layer_ids: list[str], stamp: str, force: bool = False) -> bool:
        loaded = load_postgis(self.url, self.db_schema, self.settings.gpkg, layer_ids, stamp, force)
        LOGGER.info("PostGIS schema %s: %s", self.db_schema, "loaded" if loaded else "up to date")
        return loaded

    def close(self) -> None:
        self.built.close()
        self.imported.close()
        self.sql.dispose()
