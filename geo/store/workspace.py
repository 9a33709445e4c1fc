"""The workspace's tables: everything users bring and change — imported layers, their edits, the accounts and the
audit trail (强制留痕) — in one database the build never touches: a GeoPackage beside the build on the embedded engine
(YIWU_WORKSPACE_PATH, default DATA_DIR/workspace/workspace.gpkg: QGIS opens it as is), or a PostgreSQL schema
(YIWU_WORKSPACE_SCHEMA) with YIWU_DATABASE_URL. Each engine (geo/store/gpkg.py, geo/store/postgis.py) creates them,
writes every change with its audit row in one transaction, and makes the audit table refuse UPDATE and DELETE by
trigger."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from geo.store.layerinfo import LAYERS_TABLE

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
# Failed-login throttling counts an action's recent rows (geo/workspace/accounts.py): one index keeps that a range read.
Index("ix_ws_audit_action_at", AUDIT.c.action, AUDIT.c.at)
LAYERS = Table(
    "ws_layers", METADATA,
    Column("id", String(64), primary_key=True),
    Column("entry", Text, nullable=False),  # the catalog entry (JSON), validated like a YAML one
    Column("qc_report", Text, nullable=False),  # the import's QC report (JSON)
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64)),
)
# A layer's style as changed through the styles API (issue 23): it replaces the catalog's (built or imported layer).
STYLES = Table(
    "ws_styles", METADATA,
    Column("layer_id", String(64), primary_key=True),
    Column("style", Text, nullable=False),  # the declared style mapping (JSON), validated like a catalog one
    Column("updated_at", String(32), nullable=False),
    Column("updated_by", String(64)),
)
# The same per-layer facts the build writes (geo/store/layerinfo.py), kept by every import and edit in the same
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
AUDIT_ACTIONS += ("style",)  # issue 23: a layer's style changed through the styles API (before/after: the styles)
AUDIT_ACTIONS += ("review", "batch_review")  # issue 24: a site review, a batch review (geo/workspace/reviews.py)
# issue 24: the jobs of OGC API – Processes (geo/workspace/jobs.py); each engine writes them (Engine.insert_job, …)
JOBS = Table(
    "ws_jobs", METADATA,
    Column("id", String(36), primary_key=True),
    Column("process", String(64), nullable=False),
    Column("owner", String(64)),  # the user who started it (only they and admins see it)
    Column("status", String(16), nullable=False),  # accepted | running | successful | failed | dismissed
    Column("progress", Integer),  # 0–100
    Column("message", Text),
    Column("created", String(32), nullable=False),
    Column("started", String(32)),
    Column("finished", String(32)),
    Column("updated", String(32), nullable=False),  # the heartbeat: a running job writes it at least every few s
    Column("worker", String(128)),  # host:pid of the process that runs it
    Column("inputs", Text),  # JSON: what it was asked (a summary for large inputs)
    Column("results", Text),  # JSON: the results document
)
Index("ix_ws_jobs_owner_created", JOBS.c.owner, JOBS.c.created)


def job_query(job_id: str | None, owner: str | None, statuses: tuple[str, ...], limit: int):
    """The SELECT of jobs both engines run: by id, by owner, by status; newest first."""
    query = select(JOBS).order_by(JOBS.c.created.desc(), JOBS.c.id).limit(limit)
    if job_id is not None:
        query = query.where(JOBS.c.id == job_id)
    if owner is not None:
        query = query.where(JOBS.c.owner == owner)
    if statuses:
        query = query.where(JOBS.c.status.in_(statuses))
    return query
def json_text(value) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


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


def create_tables(con: Connection) -> None:
    """Create the workspace's tables and indexes that are missing and its session key; never drops anything."""
    METADATA.create_all(con)
    for index in AUDIT.indexes:  # also on a workspace made before the index was declared
        index.create(con, checkfirst=True)
    if con.execute(select(KEYS.c.value).where(KEYS.c.name == "session")).first() is None:
        con.execute(insert(KEYS).values(name="session", value=secrets.token_hex(32)))
