"""OGC API – Features: collections, queryables, items (GeoJSON, HTML, downloads) and single features."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from api.declare import LANG, Param, formats, operation
from api.html import render
from api.media import FORMATS, GEOJSON, HTML_UTF8, JSON, SCHEMA_JSON
from api.params import (
    DOWNLOAD_FORMATS,
    F_PAGE,
    ITEMS_PARAMS,
    PAGE_FORMATS,
    ItemsRequest,
    crs_param,
    items_request,
    offered_uri,
)
from api.services import services
from api.urls import absolute_url
from geo.errors import NotFoundError
from geo.export import DOWNLOADS, export_frame
from geo.filters import queryables_schema
from geo.ogccrs import CRS84_URI, offered_crs, transform_geometries
from geo.serialize import feature_collection, feature_collection_json, feature_dict
from layers import Layer

bp = Blueprint("collections", __name__)
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
CRS_HEADER = {"Content-Crs": {"description": "CRS of the geometries, as <URI>", "schema": {"type": "string"}}}
COLLECTION_ID = Param("collection_id", "collection id (see /collections)",
                      lambda: {"type": "string", "enum": list(services().catalog)}, str, where="path",
                      example=lambda: next(iter(services().catalog)))
FEATURE_ID = Param("feature_id", "feature id (see the collection's items)", {"type": "string"}, str, where="path",
                   example=lambda: services().store.first_id(next(iter(services().catalog))))


def _response(description: str, schema: str | None, media: tuple[str, ...], headers: dict | None = None) -> dict:
    content = {m: {"schema": {"$ref": f"#/components/schemas/{schema}"} if schema and m != "text/html"
                   else {"type": "string"} if m == "text/html" else {"type": "string", "format": "binary"}}
               for m in media}
    return {"description": description, "content": content} | ({"headers": headers} if headers else {})


def _offered(layer_id: str) -> list[str]:
    return offered_crs(services().store.bbox(layer_id))


def _layer(collection_id: str) -> Layer:
    """The layer of a path, when the user may see it: a hidden layer is 404 exactly as one that does not exist."""
    catalog = services().catalog
    if collection_id not in catalog:
        raise NotFoundError(f"collection '{collection_id}' does not exist")
    services().store.info(collection_id)  # NotFoundError for a layer the build has not written
    return catalog[collection_id]


def collection_links(layer_id: str) -> list[dict]:
    """self/alternate, items in GeoJSON and HTML, queryables, and one download link per file format."""
    links = [
        {"rel": "self", "type": JSON, "title": "this collection", "href": absolute_url(".collection", collection_id=layer_id)},
        {"rel": "alternate", "type": "text/html", "title": "this collection as HTML",
         "href": absolute_url(".collection", collection_id=layer_id, f="html")},
        {"rel": "items", "type": GEOJSON, "title": "items as GeoJSON", "href": absolute_url(".items", collection_id=layer_id)},
        {"rel": "items", "type": "text/html", "title": "items as HTML",
         "href": absolute_url(".items", collection_id=layer_id, f="html")},
        {"rel": QUERYABLES_REL, "type": SCHEMA_JSON, "title": "queryables",
         "href": absolute_url(".queryables", collection_id=layer_id)},
    ]
    links.append({"rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "type": JSON,
                  "title": "vector tilesets", "href": absolute_url("tiles.tilesets", collection_id=layer_id)})
    for fmt, spec in DOWNLOADS.items():
        links.append({"rel": "enclosure", "type": spec.media_type, "title": f"download every feature ({spec.label})",
                      "href": absolute_url(".items", collection_id=layer_id, f=fmt)})
    return links


def collection_document(layer: Layer, lang: str) -> dict:
    store = services().store
    return {
        "id": layer.id, "title": layer.title(lang), "description": layer.title_en if lang == "zh" else layer.title_zh,
        "titles": {"zh": layer.title_zh, "en": layer.title_en}, "itemType": "feature", "group": layer.group,
        "role": layer.role, "geometry": layer.geometry, "accuracy": layer.accuracy,
        "audiences": list(layer.audiences), "source": layer.source, "licence": layer.licence,
        "plan_refs": [{"clause": r.clause, "quote": r.quote} for r in layer.plan_refs],
        "feature_count": store.count(layer.id),
        "extent": {"spatial": {"bbox": [list(store.bbox(layer.id))], "crs": CRS84_URI}},
        "crs": _offered(layer.id), "storageCrs": CRS84_URI, "links": collection_links(layer.id),
    }


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def self_links(endpoint: str, fmt: str, what: str = "this document", json_type: str = JSON, **values) -> list[dict]:
    """The self link in `fmt` and the alternate in the other of json/html."""
    other = "html" if fmt == "json" else "json"
    types = {"json": json_type, "html": "text/html"}
    return [{"rel": "self", "type": types[fmt], "title": what, "href": absolute_url(endpoint, f=fmt, **values)},
            {"rel": "alternate", "type": types[other], "title": f"{what} as {other.upper()}",
             "href": absolute_url(endpoint, f=other, **values)}]


def _html(page: str) -> tuple[str, int, dict]:
    return page, 200, {"Content-Type": HTML_UTF8}


@bp.get("/collections")
@operation("the collections", "capabilities", F_PAGE, LANG,
           responses={"200": _response("the collections", "collections", (JSON, "text/html"))})
def collections(q):
    docs = [collection_document(layer, q.lang) for layer in services().catalog.values()]
    links = self_links(".collections", q.f)
    if q.f == "html":
        rows = [[{"href": absolute_url(".collection", collection_id=d["id"], f="html"), "text": d["id"]}, d["title"],
                 d["feature_count"], d["accuracy"], {"href": absolute_url(".items", collection_id=d["id"], f="html"),
                                                    "text": "items"}] for d in docs]
        return _html(render("ogc_document.html", title="Collections", lang=q.lang, links=links,
                            headers=["id", "title", "features", "accuracy", "items"], rows=rows))
    return jsonify({"collections": docs, "links": links})


@bp.get("/collections/<collection_id>")
@operation("one collection", "capabilities", COLLECTION_ID, F_PAGE, LANG,
           responses={"200": _response("one collection", "collection", (JSON, "text/html"))})
def collection(q, collection_id: str):
    layer = _layer(collection_id)
    doc = collection_document(layer, q.lang)
    if q.f == "html":
        rows = [[key, _text(doc[key])] for key in ("id", "titles", "group", "role", "geometry", "accuracy", "source",
                                                   "licence", "feature_count", "extent", "crs")]
        rows += [[f"plan {r['clause']}", r["quote"]] for r in doc["plan_refs"]]
        return _html(render("ogc_document.html", title=doc["title"], lang=q.lang, links=doc["links"],
                            headers=["field", "value"], rows=rows))
    return jsonify(doc)


@bp.get("/collections/<collection_id>/queryables")
@operation("queryables of a collection", "capabilities", COLLECTION_ID, F_PAGE,
           responses={"200": _response("JSON Schema of the queryables", "queryables", (SCHEMA_JSON, "text/html"))})
def queryables(q, collection_id: str):
    layer = _layer(collection_id)
    store = services().store
    schema = queryables_schema(store.schema(collection_id), store.geometry_format(collection_id), layer.title_en,
                               absolute_url(".queryables", collection_id=collection_id))
    if q.f == "html":
        rows = [[name, spec.get("type", spec.get("format", ""))] for name, spec in schema["properties"].items()]
        return _html(render("ogc_document.html", title=f"Queryables of {layer.title_en}", links=[],
                            headers=["property", "type"], rows=rows))
    return jsonify(schema), 200, {"Content-Type": SCHEMA_JSON}


def _items_href(collection_id: str, **changes) -> str:
    args = {k: v for k, v in request.args.items() if k not in changes}
    args.update({k: v for k, v in changes.items() if v is not None})
    return absolute_url(".items", collection_id=collection_id, **args)


def items_links(collection_id: str, req: ItemsRequest, matched: int, returned: int) -> list[dict]:
    """self, alternates in the other formats, and next/prev pages."""
    media = {"json": GEOJSON} | {f: FORMATS[f] for f in ("html", *DOWNLOAD_FORMATS)}
    links = [{"rel": "self", "type": media[req.format], "title": "this page",
              "href": _items_href(collection_id, f=req.format)}]
    links += [{"rel": "alternate", "type": media_type, "title": f"this selection as {fmt}",
               "href": _items_href(collection_id, f=fmt)} for fmt, media_type in media.items() if fmt != req.format]
    query = req.query
    if query.limit is not None and query.offset + returned < matched:
        links.append({"rel": "next", "type": media[req.format], "title": "next page",
                      "href": _items_href(collection_id, offset=str(query.offset + query.limit))})
    if query.offset > 0 and query.limit is not None:
        links.append({"rel": "prev", "type": media[req.format], "title": "previous page",
                      "href": _items_href(collection_id, offset=str(max(0, query.offset - query.limit)))})
    return links


def _content_crs(uri: str) -> dict[str, str]:
    return {"Content-Crs": f"<{uri}>"}


def _in_crs(frame, crs_uri: str):
    """The frame with its geometries in the requested CRS (axis order of the CRS)."""
    if crs_uri == CRS84_URI:
        return frame
    return frame.set_geometry(transform_geometries(frame.geometry, crs_uri), crs=None)


def _items_html(layer: Layer, req: ItemsRequest, frame, body: dict) -> str:
    geojson = feature_collection(frame)
    columns = [c for c in frame.columns if c not in ("feature_id", frame.geometry.name)]
    features = [{"id": f["id"], "properties": f["properties"],
                 "href": absolute_url(".item", collection_id=layer.id, feature_id=f["id"], f="html")}
                for f in geojson["features"]]
    summary = f"{body['numberReturned']} of {body['numberMatched']} features (offset {req.query.offset})"
    return render("ogc_items.html", title=layer.title(req.lang), lang=req.lang, links=body["links"],
                  summary=summary, columns=columns, features=features, geojson=geojson)


def _download(layer: Layer, req: ItemsRequest, frame) -> Response:
    spec = DOWNLOADS[req.format]
    data = export_frame(frame, req.format, layer.id, req.crs)
    headers = {"Content-Disposition": f'attachment; filename="{layer.id}.{spec.extension}"', **_content_crs(req.crs)}
    return Response(data, status=200, mimetype=spec.media_type, headers=headers)


ITEMS_RESPONSE = _response("a page of features (GeoJSON or HTML) or a download with Content-Disposition",
                           "featureCollectionGeoJSON", (GEOJSON, "text/html", *(FORMATS[f] for f in DOWNLOAD_FORMATS)),
                           CRS_HEADER)


@bp.get("/collections/<collection_id>/items")
@operation("features of a collection", "data", COLLECTION_ID, *ITEMS_PARAMS, responses={"200": ITEMS_RESPONSE},
           per_collection=True)
def items(q, collection_id: str):
    layer = _layer(collection_id)
    store = services().store
    req = items_request(q, request.args, store.schema(collection_id), store.geometry_name(collection_id),
                        _offered(collection_id))
    result = store.query(collection_id, req.query)
    if req.format in DOWNLOAD_FORMATS:
        return _download(layer, req, result.features)
    returned = len(result.features)
    body = {"type": "FeatureCollection", "numberMatched": result.number_matched, "numberReturned": returned,
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": items_links(collection_id, req, result.number_matched, returned)}
    if req.format == "html":
        return _items_html(layer, req, result.features, body), 200, {"Content-Type": HTML_UTF8,
                                                                     **_content_crs(CRS84_URI)}
    written = store.geojson_of(collection_id) if req.crs == CRS84_URI else None
    data = feature_collection_json(_in_crs(result.features, req.crs), body, written)
    return Response(data, status=200, mimetype=GEOJSON, headers=_content_crs(req.crs))


def item_links(layer: Layer, feature_id: str, fmt: str) -> list[dict]:
    links = self_links(".item", fmt, "this feature", GEOJSON, collection_id=layer.id, feature_id=feature_id)
    return links + [{"rel": "collection", "type": JSON, "title": layer.title_en,
                     "href": absolute_url(".collection", collection_id=layer.id)}]


def _item_html(layer: Layer, feature_id: str, row, links: list[dict], lang: str) -> str:
    geojson = feature_collection(row)
    features = [{"id": feature_id, "properties": geojson["features"][0]["properties"], "href": links[0]["href"]}]
    columns = [c for c in row.columns if c not in ("feature_id", row.geometry.name)]
    return render("ogc_items.html", title=feature_id, lang=lang, links=links, columns=columns, features=features,
                  geojson=geojson)


@bp.get("/collections/<collection_id>/items/<feature_id>")
@operation("one feature", "data", COLLECTION_ID, FEATURE_ID, formats(*PAGE_FORMATS), LANG,
           crs_param("crs", "CRS of the returned geometry"),
           responses={"200": _response("one feature", "featureGeoJSON", (GEOJSON, "text/html"), CRS_HEADER)})
def item(q, collection_id: str, feature_id: str):
    layer = _layer(collection_id)
    crs = offered_uri(q.crs, "crs", _offered(collection_id))
    row = services().store.feature(collection_id, feature_id)
    links = item_links(layer, feature_id, q.f)
    if q.f == "html":
        return _item_html(layer, feature_id, row, links, q.lang), 200, {"Content-Type": HTML_UTF8,
                                                                        **_content_crs(CRS84_URI)}
    record = row.drop(columns=row.geometry.name).iloc[0].to_dict()
    body = feature_dict(record, transform_geometries(row.geometry, crs)[0])
    body["links"] = links
    return jsonify(body), 200, {"Content-Type": GEOJSON, **_content_crs(crs)}
