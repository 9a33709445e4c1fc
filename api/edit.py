"""OGC API – Features – Part 4 on the layers marked editable (imported layers): create (POST items), replace (PUT),
update (PATCH, a JSON merge patch of the properties and maybe a new geometry) and delete, each guarded by the
feature's ETag (If-Match) and recorded in the audit trail with the feature before and after; a feature's history
(every version) and the restoring of one of them as a new version."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from api.core.body import read_json_body
from api.core.declare import Body, integer, ok, operation
from api.core.media import GEOJSON, JSON
from api.core.paths import EDITABLE_COLLECTION, FEATURE_ID
from api.core.services import current_user, services
from api.core.urls import absolute_url
from geo.workspace.editing import Change, FeatureEditor, feature_history, parse_feature_body
from layers import Layer

LOGGER = logging.getLogger(__name__)
bp = Blueprint("edit", __name__)
MERGE_PATCH = "application/merge-patch+json"
CRUD = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/{name}"
CONFORMANCE = tuple(CRUD.format(name=n) for n in ("create-replace-delete", "update", "features",
                                                 "optimistic-locking-etags"))
VERSION = integer("version", "the version to restore (see the history)", 1, where="path")
FEATURE_BODY = Body("a GeoJSON Feature in WGS84 lon/lat: every property of the layer's schema you set (others "
                    "null) and its geometry, of the layer's geometry type", {"type": "object", "required": ["type"]},
                    ("application/geo+json", "application/json"))
PATCH_BODY = Body("a JSON merge patch of the feature: the properties to change (null clears one) and, if it "
                  "moves, a new geometry", {"type": "object"}, (MERGE_PATCH, "application/geo+json", "application/json"))
IF_MATCH = "the ETag of the feature as you read it (GET the item); `*` writes over any version"
WRITE_ERRORS = {"412": {"description": "the feature changed since it was read (If-Match stale)"},
                "428": {"description": "If-Match is required"}}


def _editor(layer: Layer) -> FeatureEditor:
    engine = services().engine
    return FeatureEditor(engine, layer, engine.schema(layer.id), engine.geometry_name(layer.id))


def _client() -> str | None:
    return request.remote_addr


def _actor() -> str:
    return current_user().name


def _feature_response(collection_id: str, change: Change, status: int) -> Response:
    """The feature as stored now (GeoJSON), its ETag and where it lives."""
    from api.collections import item_document

    services().written()
    response = jsonify(item_document(collection_id, change.feature_id))
    response.status_code = status
    response.headers["Content-Type"] = GEOJSON
    response.headers["Location"] = absolute_url("collections.item", collection_id=collection_id,
                                                feature_id=change.feature_id)
    response.set_etag(change.etag)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/collections/<collection_id>/items")
@operation("add a feature to an editable collection (Part 4 create); 201 with its Location and ETag", "editing",
           EDITABLE_COLLECTION, body=FEATURE_BODY, role="editor", editable_only=True,
           responses={"201": {"description": "created", "content": {GEOJSON: {"schema": {"type": "object"}}}}})
def create_item(q, collection_id: str):
    editor = _editor(q.layer)
    data = parse_feature_body(read_json_body(request), editor.layer, editor.schema, partial=False)
    return _feature_response(collection_id, editor.create(data, _actor(), _client()), 201)


@bp.put("/collections/<collection_id>/items/<feature_id>")
@operation("replace a feature (Part 4 replace): needs If-Match", "editing", EDITABLE_COLLECTION, FEATURE_ID,
           body=FEATURE_BODY, role="editor", editable_only=True, responses={**ok("the feature as stored", GEOJSON), **WRITE_ERRORS})
def replace_item(q, collection_id: str, feature_id: str):
    editor = _editor(q.layer)
    data = parse_feature_body(read_json_body(request), editor.layer, editor.schema, partial=False)
    change = editor.replace(feature_id, data, request.headers.get("If-Match"), _actor(), _client())
    return _feature_response(collection_id, change, 200)


@bp.patch("/collections/<collection_id>/items/<feature_id>")
@operation("change some properties or the geometry of a feature (Part 4 update, JSON merge patch): needs If-Match",
           "editing", EDITABLE_COLLECTION, FEATURE_ID, body=PATCH_BODY, role="editor", editable_only=True,
           responses={**ok("the feature as stored", GEOJSON), **WRITE_ERRORS})
def update_item(q, collection_id: str, feature_id: str):
    editor = _editor(q.layer)
    doc = read_json_body(request, media_types=(MERGE_PATCH, "application/geo+json", "application/json"))
    data = parse_feature_body(doc, editor.layer, editor.schema, partial=True)
    change = editor.update(feature_id, data, request.headers.get("If-Match"), _actor(), _client())
    return _feature_response(collection_id, change, 200)


@bp.delete("/collections/<collection_id>/items/<feature_id>")
@operation("delete a feature (Part 4 delete): needs If-Match; its history stays and can restore it", "editing",
           EDITABLE_COLLECTION, FEATURE_ID, role="editor", editable_only=True, responses={"204": {"description": "deleted"}, **WRITE_ERRORS})
def delete_item(q, collection_id: str, feature_id: str):
    _editor(q.layer).delete(feature_id, request.headers.get("If-Match"), _actor(), _client())
    return Response(status=204, headers={"Cache-Control": "no-store"})


def as_feature(version: dict, feature_id: str) -> dict:
    """A version with its state as a GeoJSON Feature (null once deleted)."""
    state = version.pop("state")
    feature = None if state is None else {"type": "Feature", "id": feature_id, **state}
    return {**version, "feature": feature}


@bp.get("/collections/<collection_id>/items/<feature_id>/history")
@operation("every version of a feature: who changed it, when, from where, and the feature after each change",
           "editing", EDITABLE_COLLECTION, FEATURE_ID, role="editor", editable_only=True, responses=ok("the versions, oldest first", JSON))
def item_history(q, collection_id: str, feature_id: str):
    editor = _editor(q.layer)
    versions = [as_feature(v, feature_id) for v in feature_history(editor, feature_id)]
    response = jsonify({"collection": collection_id, "featureId": feature_id, "versions": versions,
                        "links": [{"rel": "self", "type": JSON, "href": absolute_url(
                            ".item_history", collection_id=collection_id, feature_id=feature_id)}]})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/collections/<collection_id>/items/<feature_id>/history/<version>/restore")
@operation("make an earlier version the current one, recorded as a new version (re-creates a deleted feature); "
           "If-Match when the feature exists", "editing", EDITABLE_COLLECTION, FEATURE_ID, VERSION, role="editor", editable_only=True,
           responses={**ok("the feature as stored", GEOJSON), **WRITE_ERRORS})
def restore_item(q, collection_id: str, feature_id: str, version: str):
    editor = _editor(q.layer)
    change = editor.restore(feature_id, q.version, request.headers.get("If-Match"), _actor(), _client())
    return _feature_response(collection_id, change, 200)
