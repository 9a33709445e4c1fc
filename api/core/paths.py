"""The resources a path names, declared once (as titiler's path dependencies): the collection resolved to its Layer
in the request's snapshot and handed to the view as `q.layer` — a layer the user may not see answers 404 exactly as
one that does not exist — and, for the writes of OGC API – Features Part 4, an editable collection (405 for one that
is not, before any credential is asked for); a feature id (text without NUL)."""

from __future__ import annotations

from api.core.declare import NO_NUL, Param
from api.core.services import services
from geo.core.errors import NotEditableError, NotFoundError
from layers import Layer


def _visible(collection_id: str) -> Layer:
    """The layer of a path, when the user may see it (NotFoundError otherwise, or when the build lacks it)."""
    catalog = services().catalog
    if collection_id not in catalog:
        raise NotFoundError(f"collection '{collection_id[:64]}' does not exist")
    services().engine.info(collection_id)  # NotFoundError for a layer the build has not written
    return catalog[collection_id]


def _editable(collection_id: str) -> Layer:
    """The layer of a path that takes writes: 404 as `_visible`, 405 (with `Allow`) when it is not editable."""
    layer = services().catalog.get(collection_id)
    if layer is None:
        raise NotFoundError(f"collection '{collection_id[:64]}' does not exist")
    if not layer.editable:
        raise NotEditableError(f"collection '{collection_id[:64]}' is not editable (only imported layers marked "
                               "editable are)")
    return _visible(collection_id)


def _collection_schema() -> dict:
    return {"type": "string", "enum": list(services().catalog)}


def _first_collection() -> str:
    return next(iter(services().catalog))


COLLECTION = Param("collection_id", "collection id (see /collections)", _collection_schema, _visible, where="path",
                   example=_first_collection, dest="layer")
EDITABLE_COLLECTION = Param("collection_id", "an editable collection's id (see /collections)", _collection_schema,
                            _editable, where="path", example=_first_collection, dest="layer", early=True)
FEATURE_ID = Param("feature_id", "feature id (see the collection's items)", {"type": "string", "pattern": NO_NUL}, str,
                   where="path", example=lambda: services().engine.first_id(_first_collection()))
