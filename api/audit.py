"""The audit trail (强制留痕) for administrators: every import, edit, login, failed login and role change, newest
first, filtered by collection, user, action and time; JSON or a page. Nothing here writes: the trail has no
endpoint that changes it."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from api.core.declare import choice, integer, ok, operation, text
from api.core.media import HTML_UTF8, JSON
from api.core.params import F_PAGE, LANG
from api.core.services import services
from api.core.urls import absolute_url
from api.html.render import render
from api.html.text import html_links, page_words
from geo.store.workspace import AUDIT_ACTIONS
from geo.workspace.audit import MAX_LIMIT, AuditFilter, audit_entries

LOGGER = logging.getLogger(__name__)
bp = Blueprint("audit", __name__)
AUDIT_PARAMS = (
    text("collection", "only changes to this collection", 64),
    text("user", "only what this user did", 64),
    choice("action", "only this kind of entry", AUDIT_ACTIONS),
    text("since", "from this RFC 3339 date or date-time (UTC when no offset), inclusive", 40),
    text("until", "up to this RFC 3339 date or date-time, exclusive", 40),
    integer("limit", "entries per page", 1, MAX_LIMIT, 100),
    integer("offset", "entries to skip (newest first)", 0, 10_000_000, 0),
)


def _filter(q) -> AuditFilter:
    return AuditFilter(q.collection, q.user, q.action, q.since, q.until, q.limit, q.offset)


def _page_links(q, matched: int) -> list[dict]:
    args = {k: getattr(q, k) for k in ("collection", "user", "action", "since", "until")}
    links = [{"rel": "self", "type": JSON, "href": absolute_url(".audit", **args, limit=q.limit, offset=q.offset)}]
    if q.offset + q.limit < matched:
        links.append({"rel": "next", "type": JSON,
                      "href": absolute_url(".audit", **args, limit=q.limit, offset=q.offset + q.limit)})
    return links


@bp.get("/audit")
@operation("the audit trail: imports, edits (each feature before and after), logins, failed logins and role "
           "changes, newest first", "audit", *AUDIT_PARAMS, F_PAGE, LANG, role="admin",
           responses=ok("the entries and how many match", JSON, "text/html"))
def audit(q):
    entries, matched = audit_entries(services().engine, _filter(q))
    if q.f == "html":
        return _audit_html(q, entries, matched), 200, {"Content-Type": HTML_UTF8, "Cache-Control": "no-store"}
    response = jsonify({"entries": entries, "numberMatched": matched, "numberReturned": len(entries),
                        "links": _page_links(q, matched)})
    response.headers["Cache-Control"] = "no-store"
    return response


def _collection_cell(collection_id: str | None, lang: str) -> dict:
    """The layer by its title in the page language (by its id once it is gone, or for a reader who cannot see it)."""
    layer = services().catalog.get(collection_id) if collection_id else None
    if layer is None:
        return {"text": collection_id or "", "code": True}
    return {"text": layer.title(lang), "field": f"title_{'en' if lang == 'en' else 'zh'}"}


def _audit_html(q, entries: list[dict], matched: int) -> str:
    w = page_words(q.lang)["audit"]
    headers = [w[k] for k in ("seq", "at", "actor", "action", "collection", "feature", "version", "client")]
    rows = [[{"text": str(e["seq"]), "code": True}, {"text": e["at"], "code": True},
             {"text": e["actor"] or w["anonymous"], "field": "actor"}, {"text": w["actions"].get(e["action"], e["action"])},
             _collection_cell(e["collection"], q.lang), {"text": e["feature_id"] or "", "code": True},
             {"text": "" if e["version"] is None else str(e["version"])}, {"text": e["client"] or "", "code": True}]
            for e in entries]
    description = w["intro"].format(matched=matched, shown=len(entries))
    return render("ogc_document.html", title=w["title"], description=description, headers=headers, rows=rows,
                  lang=q.lang, links=html_links(_page_links(q, matched), q.lang))
