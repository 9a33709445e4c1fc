"""OGC API – Features: collections, queryables, items (GeoJSON, HTML, downloads) and single features."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request, url_for

from api.html import HTML, render
from api.params import (
    DOWNLOAD_FORMATS,
    ItemsRequest,
    parse_crs,
    parse_format,
    parse_items_request,
    parse_lang,
)
from api.services import services
from geo.export import DOWNLOADS, export_frame
from geo.filters import queryables_schema
from geo.ogccrs import CRS84_URI, offered_crs, transform_geometries
from geo.serialize import feature_collection, feature_dict
from layers import Layer

bp = Blueprint("collections", __name__)
GEOJSON = "application/geo+json"
JSON = "application/json"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _offered(layer_id: str) -> list[str]:
    return offered_crs(services().store.bbox(layer_id))


def collection_links(layer_id: str) -> list[dict]:
    """self/alternate, items in GeoJSON and HTML, queryables, and one download link per file format."""
    links = [
        {"rel": "self", "type": JSON, "title": "this collection", "href": _url(".collection", collection_id=layer_id)},
        {"rel": "alternate", "type": "text/html", "title": "this collection as HTML",
         "href": _url(".collection", collection_id=layer_id, f="html")},
        {"rel": "items", "type": GEOJSON, "title": "items as GeoJSON", "href": _url(".items", collection_id=layer_id)},
        {"rel": "items", "type": "text/html", "title": "items as HTML",
         "href": _url(".items", collection_id=layer_id, f="html")},
        {"rel": QUERYABLES_REL, "type": SCHEMA_JSON, "title": "queryables",
         "href": _url(".queryables", collection_id=layer_id)},
    ]
    for fmt, spec in DOWNLOADS.items():
        links.append({"rel": "enclosure", "type": spec.media_type, "title": f"download every feature ({spec.label})",
                      "href": _url(".items", collection_id=layer_id, f=fmt)})
    return links


def collection_document(layer: Layer, lang: str) -> dict:
    store = services().store
    return {
        "id": layer.id,
        "title": layer.title(lang),
        "description": layer.title_en if lang == "zh" else layer.title_zh,
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
        "crs": _offered(layer.id),
        "storageCrs": CRS84_URI,
        "links": collection_links(layer.id),
    }


def _layer(collection_id: str) -> Layer:
    services().store.frame(collection_id)  # raises NotFoundError for an unknown id
    return services().catalog[collection_id]


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _self_links(endpoint: str, fmt: str, what: str = "this document", json_type: str = JSON,
                **values) -> list[dict]:
    """The self link in `fmt` and the alternate in the other of json/html."""
    other = "html" if fmt == "json" else "json"
    types = {"json": json_type, "html": "text/html"}
    return [{"rel": "self", "type": types[fmt], "title": what, "href": _url(endpoint, f=fmt, **values)},
            {"rel": "alternate", "type": types[other], "title": f"{what} as {other.upper()}",
             "href": _url(endpoint, f=other, **values)}]


@bp.get("/collections")
def collections():
    lang = parse_lang(request.args)
    fmt = parse_format(request.args, request.accept_mimetypes)
    docs = [collection_document(layer, lang) for layer in services().catalog.values()]
    links = _self_links(".collections", fmt)
    if fmt == "html":
        rows = [[{"href": _url(".collection", collection_id=d["id"], f="html"), "text": d["id"]}, d["title"],
                 d["feature_count"], d["accuracy"], {"href": _url(".items", collection_id=d["id"], f="html"),
                                                    "text": "items"}] for d in docs]
        return render("ogc_document.html", title="Collections", lang=lang, links=links,
                      headers=["id", "title", "features", "accuracy", "items"], rows=rows), 200, {"Content-Type": HTML}
    return jsonify({"collections": docs, "links": links})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    layer = _layer(collection_id)
    lang = parse_lang(request.args)
    fmt = parse_format(request.args, request.accept_mimetypes)
    doc = collection_document(layer, lang)
    if fmt == "html":
        rows = [[key, _text(doc[key])] for key in ("id", "titles", "group", "geometry", "accuracy", "source",
                                                   "licence", "feature_count", "extent", "crs")]
        rows += [[f"plan {r['clause']}", r["quote"]] for r in doc["plan_refs"]]
        return render("ogc_document.html", title=doc["title"], lang=lang, links=doc["links"],
                      headers=["field", "value"], rows=rows), 200, {"Content-Type": HTML}
    return jsonify(doc)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    layer = _layer(collection_id)
    fmt = parse_format(request.args, request.accept_mimetypes)
    schema = queryables_schema(services().store.frame(collection_id), layer.title_en,
                               _url(".queryables", collection_id=collection_id))
    if fmt == "html":
        rows = [[name, spec.get("type", spec.get("format", ""))] for name, spec in schema["properties"].items()]
        return render("ogc_document.html", title=f"Queryables of {layer.title_en}", links=[],
                      headers=["property", "type"], rows=rows), 200, {"Content-Type": HTML}
    return jsonify(schema), 200, {"Content-Type": SCHEMA_JSON}


def _items_href(collection_id: str, **changes) -> str:
    args = {k: v for k, v in request.args.items() if k not in changes}
    args.update({k: v for k, v in changes.items() if v is not None})
    return _url(".items", collection_id=collection_id, **args)


def items_links(collection_id: str, req: ItemsRequest, matched: int, returned: int) -> list[dict]:
    """self, alternates in the other formats, and next/prev pages."""
    media = {"json": GEOJSON, "html": "text/html"} | {f: s.media_type for f, s in DOWNLOADS.items()}
    links = [{"rel": "self", "type": media[req.format], "title": "this page",
              "href": _items_href(collection_id, f=req.format)}]
    for fmt, media_type in media.items():
        if fmt != req.format:
            links.append({"rel": "alternate", "type": media_type, "title": f"this selection as {fmt}",
                          "href": _items_href(collection_id, f=fmt)})
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


def _feature_collection(frame, crs_uri: str) -> dict:
    if crs_uri != CRS84_URI:
        frame = frame.set_geometry(transform_geometries(frame.geometry, crs_uri), crs=None)
    return feature_collection(frame)


def _items_html(layer: Layer, req: ItemsRequest, frame, body: dict) -> str:
    geojson = feature_collection(frame)
    columns = [c for c in frame.columns if c not in ("feature_id", frame.geometry.name)]
    features = [{"id": f["id"], "properties": f["properties"],
                 "href": _url(".item", collection_id=layer.id, feature_id=f["id"], f="html")}
                for f in geojson["features"]]
    summary = f"{body['numberReturned']} of {body['numberMatched']} features (offset {req.query.offset})"
    return render("ogc_items.html", title=layer.title(req.lang), lang=req.lang, links=body["links"],
                  summary=summary, columns=columns, features=features, geojson=geojson)


def _download(layer: Layer, req: ItemsRequest, frame) -> Response:
    spec = DOWNLOADS[req.format]
    data = export_frame(frame, req.format, layer.id, req.crs)
    headers = {"Content-Disposition": f'attachment; filename="{layer.id}.{spec.extension}"', **_content_crs(req.crs)}
    return Response(data, status=200, mimetype=spec.media_type, headers=headers)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    layer = _layer(collection_id)
    store = services().store
    req = parse_items_request(request.args, request.accept_mimetypes, store.frame(collection_id),
                              _offered(collection_id))
    result = store.query(collection_id, req.query)
    if req.format in DOWNLOAD_FORMATS:
        return _download(layer, req, result.features)
    returned = len(result.features)
    body = {"type": "FeatureCollection", "numberMatched": result.number_matched, "numberReturned": returned,
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": items_links(collection_id, req, result.number_matched, returned)}
    if req.format == "html":
        return _items_html(layer, req, result.features, body), 200, {"Content-Type": HTML}
    body["features"] = _feature_collection(result.features, req.crs)["features"]
    return jsonify(body), 200, {"Content-Type": GEOJSON, **_content_crs(req.crs)}


def item_links(layer: Layer, feature_id: str, fmt: str) -> list[dict]:
    links = _self_links(".item", fmt, "this feature", GEOJSON, collection_id=layer.id, feature_id=feature_id)
    return links + [{"rel": "collection", "type": JSON, "title": layer.title_en,
                     "href": _url(".collection", collection_id=layer.id)}]


def _item_html(layer: Layer, feature_id: str, row, links: list[dict]) -> str:
    geojson = feature_collection(row)
    features = [{"id": feature_id, "properties": geojson["features"][0]["properties"], "href": links[0]["href"]}]
    columns = [c for c in row.columns if c not in ("feature_id", row.geometry.name)]
    return render("ogc_items.html", title=feature_id, links=links, columns=columns, features=features,
                  geojson=geojson)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    layer = _layer(collection_id)
    fmt = parse_format(request.args, request.accept_mimetypes)
    crs = parse_crs(request.args.get("crs"), "crs", _offered(collection_id))
    row = services().store.feature(collection_id, feature_id)
    links = item_links(layer, feature_id, fmt)
    if fmt == "html":
        return _item_html(layer, feature_id, row, links), 200, {"Content-Type": HTML}
    record = row.drop(columns=row.geometry.name).iloc[0].to_dict()
    body = feature_dict(record, transform_geometries(row.geometry, crs)[0])
    body["links"] = links
    return jsonify(body), 200, {"Content-Type": GEOJSON, **_content_crs(crs)}
