"""Layer styles changed through the styles API: kept in the workspace (one row per layer, replacing the catalog's
style), guarded by the style's ETag (If-Match) and written with the audit row (before and after) in one
transaction."""

from __future__ import annotations

import dataclasses
import hashlib
import logging

import orjson
from sqlalchemy import delete, insert, select

from geo.core.errors import InvalidParameterError
from geo.store.base import Engine
from geo.store.workspace import STYLES, AuditEntry, json_text, now_iso
from geo.workspace.editing import check_if_match
from layers.catalog_loader import CatalogError, style_from_mapping
from layers.model import Layer
from layers.style import Style

LOGGER = logging.getLogger(__name__)
NUMERIC = ("number", "integer")


def style_etag(declared: dict) -> str:
    """The entity tag of a declared style: a digest of its canonical JSON."""
    return hashlib.sha256(orjson.dumps(declared, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def stored_styles(engine: Engine) -> dict[str, dict]:
    """The styles changed through the API, by layer id (declared mappings)."""
    with engine.read() as con:
        return {row[0]: orjson.loads(row[1]) for row in con.execute(select(STYLES.c.layer_id, STYLES.c.style))}


def with_stored_styles(layers: dict[str, Layer], engine: Engine) -> dict[str, Layer]:
    """The layers with the styles changed through the API in place of their catalog ones (a stored style the
    model no longer accepts is logged and skipped: the catalog's stays)."""
    out = dict(layers)
    for layer_id, declared in stored_styles(engine).items():
        if layer_id not in out:
            continue
        try:
            out[layer_id] = dataclasses.replace(out[layer_id], style=style_from_mapping(f"ws_styles:{layer_id}",
                                                                                         declared))
        except CatalogError as exc:
            LOGGER.error("stored style skipped: %s", exc)
    return out


def checked_style(layer: Layer, body: object, schema: dict[str, str]) -> Style:
    """A style sent for a layer, validated like a catalog one and against the layer's fields (400 naming the
    field otherwise)."""
    try:
        style = style_from_mapping(f"style of {layer.id}", body)
    except CatalogError as exc:
        raise InvalidParameterError(exc.field, exc.why) from exc
    for name in style.fields():
        if name not in schema:
            raise InvalidParameterError("style.field", f"the layer has no field '{name}' (fields: "
                                                      f"{', '.join(sorted(schema))})")
    if style.kind == "graduated" and schema[style.field] not in NUMERIC:
        raise InvalidParameterError("style.field", f"a graduated style needs a numeric field; '{style.field}' "
                                                  f"is {schema[style.field]}")
    return style


def save_style(engine: Engine, layer: Layer, style: Style, if_match: str | None, actor: str,
               client: str | None) -> str:
    """Store a layer's new style if `if_match` names the current one (412/428 otherwise), with its audit row;
    `layer` is as the request's snapshot read it (its style is the current one when no row is stored). Returns the
    new ETag."""
    after = style.declared()
    with engine.begin() as con:
        row = con.execute(select(STYLES.c.style).where(STYLES.c.layer_id == layer.id)).first()
        before = orjson.loads(row[0]) if row else layer.style.declared()
        check_if_match(if_match, style_etag(before))
        con.execute(delete(STYLES).where(STYLES.c.layer_id == layer.id))
        con.execute(insert(STYLES).values(layer_id=layer.id, style=json_text(after), updated_at=now_iso(),
                                          updated_by=actor))
        engine.record(con, AuditEntry("style", actor, client, collection=layer.id, before=before, after=after))
    LOGGER.info("style of %s changed by %s", layer.id, actor)
    return style_etag(after)
