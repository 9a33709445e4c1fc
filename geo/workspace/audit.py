"""Reading the audit trail (强制留痕): filtered by collection, user, action and time, newest first, paged. The
trail is only ever appended to (geo/store/workspace.py); nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import func, select

from geo.core.errors import InvalidParameterError
from geo.store.base import Engine
from geo.store.workspace import AUDIT

MAX_LIMIT = 1000


@dataclass(frozen=True)
class AuditFilter:
    collection: str | None = None
    actor: str | None = None
    action: str | None = None
    since: str | None = None  # ISO 8601 (inclusive)
    until: str | None = None  # ISO 8601 (exclusive)
    limit: int = 100
    offset: int = 0


def utc_text(raw: str, name: str) -> str:
    """An RFC 3339 date or date-time as the trail writes times (UTC, microseconds, Z)."""
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InvalidParameterError(name, f"'{raw[:40]}' is not an RFC 3339 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _conditions(f: AuditFilter) -> list:
    where = []
    for column, value in ((AUDIT.c.collection, f.collection), (AUDIT.c.actor, f.actor), (AUDIT.c.action, f.action)):
        if value is not None:
            where.append(column == value)
    if f.since:
        where.append(AUDIT.c.at >= utc_text(f.since, "since"))
    if f.until:
        where.append(AUDIT.c.at < utc_text(f.until, "until"))
    return where


def entry_dict(row) -> dict:
    out = dict(row)
    for key in ("before", "after", "detail"):
        out[key] = orjson.loads(out[key]) if out[key] else None
    return out


def audit_entries(engine: Engine, f: AuditFilter) -> tuple[list[dict], int]:
    """The matching entries (newest first, one page) and how many match in all."""
    where = _conditions(f)
    with engine.read() as con:
        matched = con.execute(select(func.count()).select_from(AUDIT).where(*where)).scalar_one()
        rows = con.execute(select(AUDIT).where(*where).order_by(AUDIT.c.seq.desc())
                           .limit(min(f.limit, MAX_LIMIT)).offset(f.offset)).mappings().all()
    return [entry_dict(r) for r in rows], matched
