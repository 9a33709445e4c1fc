"""Data API: collections and their items as GeoJSON (the start of OGC API – Features)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify, request, url_for

from api.params import parse_items_query, parse_lang
from api.services import services
from geo.serialize import feature_collection, feature_dict
from layers import Layer

bp = Blueprint("collections", __name__)
GEOJSON = "application/geo+json"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def collection_document(layer: Layer, lang: str) -> dict:
    store = services().store
    return {
        "id": layer.id,
        "title": layer.title(lang),
        "titles": {"zh": layer.title_zh, "en": layer.title_en},
        "itemType": "feature",
        "group": layer.group,
        "geometry": layer.geometry,
        "accuracy": layer.accuracy,
        "audiences": list(layer.audiences),
        "source": layer.source,
        "licence": layer.licence,
        "plan_refs": [{"clause": r.clause, "quote": r.quote} for r in layer.plan_refs],
        "feature_count": store.count(layer.id),
        "extent": {"spatial": {"bbox": [list(store.bbox(layer.id))], "crs": CRS84_URI}},
        "crs": [CRS84_URI],
        "links": [
            {"rel": "self", "type": "application/json", "href": url_for(".collection", collection_id=layer.id, _external=True)},
            {"rel": "items", "type": GEOJSON, "href": url_for(".items", collection_id=layer.id, _external=True)},
        ],
    }


def _layer(collection_id: str) -> Layer:
    services().store.frame(collection_id)  # raises NotFoundError for an unknown id
    return services().catalog[collection_id]


@bp.get("/collections")
def collections():
    lang = parse_lang(request.args)
    docs = [collection_document(layer, lang) for layer in services().catalog.values()]
    links = [{"rel": "self", "type": "application/json", "href": url_for(".collections", _external=True)}]
    return jsonify({"collections": docs, "links": links})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    return jsonify(collection_document(_layer(collection_id), parse_lang(request.args)))


def _page_link(rel: str, collection_id: str, offset: int) -> dict:
    args = {k: v for k, v in request.args.items() if k != "offset"}
    href = url_for(".items", collection_id=collection_id, offset=offset, _external=True, **args)
    return {"rel": rel, "type": GEOJSON, "href": href}


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    _layer(collection_id)
    query = parse_items_query(request.args)
    result = services().store.query(collection_id, query)
    body = feature_collection(result.features)
    returned = len(result.features)
    links = [_page_link("self", collection_id, query.offset)]
    if query.offset + returned < result.number_matched:
        links.append(_page_link("next", collection_id, query.offset + query.limit))
    if query.offset > 0:
        links.append(_page_link("prev", collection_id, max(0, query.offset - query.limit)))
    body.update(numberMatched=result.number_matched, numberReturned=returned, links=links,
                timeStamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return jsonify(body), 200, {"Content-Type": GEOJSON}


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    _layer(collection_id)
    row = services().store.feature(collection_id, feature_id)
    record = row.drop(columns=row.geometry.name).iloc[0].to_dict()
    body = feature_dict(record, row.geometry.iloc[0])
    body["links"] = [{"rel": "collection", "type": "application/json",
                      "href": url_for(".collection", collection_id=collection_id, _external=True)}]
    return jsonify(body), 200, {"Content-Type": GEOJSON}
