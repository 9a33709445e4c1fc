"""The workspace: everything users bring and change — imported layers, their edits, the accounts and the audit
trail (强制留痕) — in one database the build never touches: a GeoPackage beside the build on the embedded engine
(YIWU_WORKSPACE_PATH, default DATA_DIR/workspace/workspace.gpkg: QGIS opens it as is), or a PostgreSQL schema
(YIWU_WORKSPACE_SCHEMA) with YIWU_DATABASE_URL. Every change and its audit row are written in one transaction; the
audit table refuses UPDATE and DELETE by trigger on both engines."""

from __future__ import annotations

import logging
import os
import secrets
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from geo.buildlock import build_lock, temp_name
from geo.gpkg import ENVELOPE_BYTES, sqlite_stamp
from geo.layerinfo import LAYERS_TABLE, META_TABLE

LOGGER = logging.getLogger(__name__)
METADATA = MetaData()
USERS = Table(
    "ws_users", METADATA,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # viewer | editor | admin
    Column("password_hash", Text),  # argon2id (None: API token only)
    Column("token_hash", String(64), unique=True),  # SHA-256 of the API token (the token itself is never stored)
    Column("disabled", Integer, nullable=False, default=0),
    Column("created_at", String(32), nullable=False),
)
AUDIT = Table(
    "ws_audit", METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),  # ISO 8601, UTC, microseconds
    Column("actor", String(64)),  # the user (None: anonymous, e.g. a failed login)
    Column("action", String(32), nullable=False),
    Column("collection", String(64)),
    Column("feature_id", String(256)),
    Column("version", Integer),  # the feature's version after the change
    Column("before", Text),  # GeoJSON Feature (JSON text) before the change
    Column("after", Text),  # and after it
    Column("client", String(64)),  # the client's address
    Column("detail", Text),  # JSON: what else there is to say (QC summary, old/new role, …)
)
# Failed-login throttling counts an action's recent rows (geo/accounts.py): one index keeps that a range read.
Index("ix_ws_audit_action_at", AUDIT.c.action, AUDIT.c.at)
LAYERS = Table(
    "ws_layers", METADATA,
    Column("id", String(64), primary_key=True),
    Column("entry", Text, nullable=False),  # the catalog entry (JSON), validated like a YAML one
    Column("qc_report", Text, nullable=False),  # the import's QC report (JSON)
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64)),
)
# The same per-layer facts the build writes (geo/layerinfo.py), kept by every import and edit in the same
# transaction, so the stores read the workspace exactly as they read a build.
LAYER_FACTS = Table(
    LAYERS_TABLE, METADATA,
    Column("layer_id", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("bbox", Text, nullable=False),
    Column("schema", Text, nullable=False),
    Column("geometry_format", String(32), nullable=False),
    Column("geometry_bytes", Integer, nullable=False),
    Column("large", Integer, nullable=False),
)
KEYS = Table(
    "ws_keys", METADATA,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
AUDIT_ACTIONS = ("import", "drop_layer", "create", "replace", "update", "delete", "restore", "login", "login_failed",
                 "logout", "user_add", "role_change", "user_disable", "token_reset", "password_set")
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER IF NOT EXISTS ws_audit_no_update BEFORE UPDATE ON ws_audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS ws_audit_no_delete BEFORE DELETE ON ws_audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
]
PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION {s}.ws_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
DROP TRIGGER IF EXISTS ws_audit_append_only ON {s}.ws_audit;
CREATE TRIGGER ws_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {s}.ws_audit
  FOR EACH STATEMENT EXECUTE FUNCTION {s}.ws_audit_append_only();
"""
SQLITE_BUSY_SECONDS = 10


def json_text(value) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# ---- GeoPackage geometry blobs and the ST_ functions its R-tree triggers call ---------------------------------


def gpkg_blob(geometry, srs_id: int = 4326) -> bytes:
    """A GeoPackage geometry blob: the 'GP' header (version 0, little endian, xy envelope) and the WKB."""
    if geometry is None:
        return None
    if geometry.is_empty:
        return b"GP\x00\x11" + struct.pack("<i", srs_id) + shapely.to_wkb(geometry, byte_order=1)
    minx, miny, maxx, maxy = geometry.bounds
    return b"GP\x00\x03" + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + shapely.to_wkb(geometry, byte_order=1)


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


# ---- the workspace ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    """One change, as recorded."""

    action: str
    actor: str | None
    client: str | None = None
    collection: str | None = None
    feature_id: str | None = None
    version: int | None = None
    before: dict | None = None
    after: dict | None = None
    detail: dict | None = None

    def row(self) -> dict:
        if self.action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {self.action!r}")
        return {"at": now_iso(), "actor": self.actor, "action": self.action, "collection": self.collection,
                "feature_id": self.feature_id, "version": self.version, "before": json_text(self.before),
                "after": json_text(self.after), "client": (self.client or "")[:64] or None,
                "detail": json_text(self.detail)}


class Workspace:
    """The workspace database of one engine. `begin()` is the one way to write: a transaction holding the write
    lock, in which a change and its audit row are recorded together."""

    def __init__(self, engine: Engine, schema: str | None = None, gpkg: Path | None = None):
        self.engine, self.schema, self.gpkg = engine, schema, gpkg

    @classmethod
    def embedded(cls, path: Path) -> Workspace:
        path = Path(path)
        with build_lock(path.parent):  # one creator, even when several workers start at once
            if not path.exists():
                _create_geopackage(path)
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool,
                               connect_args={"timeout": SQLITE_BUSY_SECONDS, "isolation_level": None})
        event.listen(engine, "connect", register_st_functions)
        workspace = cls(engine, gpkg=path)
        workspace.ensure_tables()
        return workspace

    @classmethod
    def postgis(cls, url: str, schema: str) -> Workspace:
        sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1).replace("postgres://",
                                                                                    "postgresql+psycopg://", 1)
        engine = create_engine(sa_url, pool_size=2, max_overflow=4, pool_pre_ping=True,
                               execution_options={"schema_translate_map": {None: schema}})
        workspace = cls(engine, schema=schema)
        workspace.ensure_tables()
        return workspace

    @property
    def is_postgis(self) -> bool:
        return self.schema is not None

    def ensure_tables(self) -> None:
        """Create what is missing (tables, append-only triggers, the session key); never drops anything."""
        with self.begin() as con:
            if self.is_postgis:  # one creator at a time, even when several workers start together
                con.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": self.schema})
                con.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            METADATA.create_all(con)
            for index in AUDIT.indexes:  # also on a workspace made before the index was declared
                index.create(con, checkfirst=True)
            if self.is_postgis:
                con.exec_driver_sql(PG_APPEND_ONLY.format(s=f'"{self.schema}"'))
                _ensure_pg_store_tables(con, self.schema)
            else:
                for statement in SQLITE_APPEND_ONLY:
                    con.exec_driver_sql(statement)
            if con.execute(select(KEYS.c.value).where(KEYS.c.name == "session")).first() is None:
                con.execute(insert(KEYS).values(name="session", value=secrets.token_hex(32)))

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE, so two writers queue instead of failing mid-way)."""
        with self.engine.connect() as con:
            if self.is_postgis:
                with con.begin():
                    yield con
                return
            con.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.exec_driver_sql("ROLLBACK")
                raise
            con.exec_driver_sql("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as con:
            yield con

    def record(self, con: Connection, entry: AuditEntry) -> int:
        """Append an audit row in the caller's transaction; its sequence number."""
        return con.execute(insert(AUDIT).values(**entry.row())).inserted_primary_key[0]

    def session_key(self) -> str:
        with self.read() as con:
            return con.execute(select(KEYS.c.value).where(KEYS.c.name == "session")).scalar_one()

    def version(self) -> str:
        """Changes with every committed write (the SQLite file change counter; PostgreSQL: the audit's last
        row and the layers' list), cheap enough to ask on every request."""
        if not self.is_postgis:
            return sqlite_stamp(self.gpkg)
        with self.read() as con:
            seq, layers = con.execute(select(select(func.max(AUDIT.c.seq)).scalar_subquery(),
                                             select(func.count()).select_from(LAYERS).scalar_subquery())).one()
        return f"{seq}:{layers}"


def _ensure_pg_store_tables(con: Connection, schema: str) -> None:
    """What the PostGIS store reads beside the layers (as in a built schema): the change triggers' `_versions`
    and the `_build_meta` row."""
    from geo.postgis import TRIGGERS

    found = con.exec_driver_sql("SELECT 1 FROM information_schema.tables WHERE table_schema = %(s)s AND "
                                "table_name = '_versions'", {"s": schema}).first()
    if found:
        return
    con.connection.driver_connection.execute(TRIGGERS.format(s=f'"{schema}"'))  # no placeholders parsed
    con.exec_driver_sql(f'CREATE TABLE "{schema}"."{META_TABLE}" (fingerprint text, built_at text)')
    con.exec_driver_sql(f'INSERT INTO "{schema}"."{META_TABLE}" VALUES (%(f)s, %(t)s)',
                        {"f": "workspace", "t": now_iso()})


def _create_geopackage(path: Path) -> None:
    """A new GeoPackage, made by GDAL so every other GIS reads it, holding one small table that says what it is."""
    info = pd.DataFrame({"key": ["purpose", "created_at"],
                         "value": ["Yiwu planning map service workspace: imported layers, edits, accounts, audit "
                                   "trail", now_iso()]})
    temp = temp_name(path)
    pyogrio.write_dataframe(info, temp, layer="ws_info", driver="GPKG")
    os.replace(temp, path)
    LOGGER.info("workspace created: %s", path)


def open_workspace(settings) -> Workspace:
    """Where imports, edits, accounts and the audit trail live: beside the engine the settings choose."""
    if settings.database_url:
        return Workspace.postgis(settings.database_url, settings.workspace_schema)
    return Workspace.embedded(settings.workspace)
