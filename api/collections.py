"""OGC API – Features: collections, queryables, items (GeoJSON, HTML, downloads) and single features."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from api.core.declare import LANG, formats, operation
from api.core.media import FORMATS, GEOJSON, HTML_UTF8, JSON, SCHEMA_JSON
from api.core.params import (
    DOWNLOAD_FORMATS,
    F_PAGE,
    ITEMS_PARAMS,
    PAGE_FORMATS,
    ItemsRequest,
    crs_param,
    items_request,
    offered_uri,
)
from api.core.paths import COLLECTION, FEATURE_ID
from api.core.services import services
from api.core.urls import absolute_url
from api.html.mapdata import base_geojson, layer_style
from api.html.render import render
from api.html.text import (
    CODE_FIELDS,
    clause_label,
    code_label,
    html_links,
    number_text,
    one_language,
    other_lang,
    page_words,
    with_lang,
)
from geo.core.crs import CRS84_URI, offered_crs, transform_geometries
from geo.core.serialize import feature_collection, feature_collection_json, feature_dict
from geo.query.downloads import DOWNLOADS, export_frame
from geo.query.filters import queryables_schema
from geo.workspace.editing import feature_etag
from layers import Layer
from webmap.i18n import strings

bp = Blueprint("collections", __name__)
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
CRS_HEADER = {"Content-Crs": {"description": "CRS of the geometries, as <URI>", "schema": {"type": "string"}}}


def _response(description: str, schema: str | None, media: tuple[str, ...], headers: dict | None = None) -> dict:
    content = {m: {"schema": {"$ref": f"#/components/schemas/{schema}"} if schema and m != "text/html"
                   else {"type": "string"} if m == "text/html" else {"type": "string", "format": "binary"}}
               for m in media}
    return {"description": description, "content": content} | ({"headers": headers} if headers else {})


def _offered(layer_id: str) -> list[str]:
    return offered_crs(services().engine.bbox(layer_id))


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
    links.append({"rel": "http://www.opengis.net/def/rel/ogc/1.0/styles", "type": JSON, "title": "styles",
                  "href": absolute_url("styles.styles", collection_id=layer_id)})  # OGC API – Styles (issue 23)
    for fmt, spec in DOWNLOADS.items():
        links.append({"rel": "enclosure", "type": spec.media_type, "title": f"download every feature ({spec.label})",
                      "href": absolute_url(".items", collection_id=layer_id, f=fmt)})
    return links


def collection_document(layer: Layer, lang: str) -> dict:
    store = services().engine
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


def self_links(endpoint: str, fmt: str, what: str = "this document", json_type: str = JSON, **values) -> list[dict]:
    """The self link in `fmt` and the alternate in the other of json/html."""
    other = "html" if fmt == "json" else "json"
    types = {"json": json_type, "html": "text/html"}
    return [{"rel": "self", "type": types[fmt], "title": what, "href": absolute_url(endpoint, f=fmt, **values)},
            {"rel": "alternate", "type": types[other], "title": f"{what} as {other.upper()}",
             "href": absolute_url(endpoint, f=other, **values)}]


def _html(page: str) -> tuple[str, int, dict]:
    return page, 200, {"Content-Type": HTML_UTF8}


def _data(field: str, value, lang: str) -> dict:
    """A data value shown as it is, marked with its field and (when not the page's) its language."""
    text = value if isinstance(value, str) else number_text(value)
    return {"text": text, "field": field, "lang": other_lang(text, lang)}


def collections_page(docs: list[dict], links: list[dict], lang: str) -> str:
    words, groups = page_words(lang), strings(lang)["groups"]
    rows = [[{"href": with_lang(absolute_url(".collection", collection_id=d["id"], f="html"), lang), "text": d["title"]},
             groups.get(d["group"], d["group"]), d["feature_count"], code_label("accuracy", d["accuracy"], lang),
             {"href": with_lang(absolute_url(".items", collection_id=d["id"], f="html"), lang),
              "text": words["collections"]["view"]}] for d in docs]
    w = words["collections"]
    return render("ogc_document.html", title=w["title"], lang=lang, links=html_links(links, lang),
                  headers=[w["layer"], w["group"], w["features"], w["accuracy"], w["items"]], rows=rows)


def collection_page(layer: Layer, doc: dict, lang: str) -> str:
    """One collection in the page language: its codes as words, its titles and sources as data."""
    words, text = page_words(lang), strings(lang)
    w = words["collection"]
    west, south, east, north = (f"{v:.6f}" for v in doc["extent"]["spatial"]["bbox"][0])
    sep = ", " if lang == "en" else "、"
    rows = [
        [w["title_zh"], _data("title_zh", layer.title_zh, lang)],
        [w["title_en"], _data("title_en", layer.title_en, lang)],
        [w["group"], text["groups"].get(layer.group, layer.group)],
        [w["role"], words["roles"].get(layer.role, layer.role)],
        [w["geometry"], words["geometries"].get(layer.geometry, layer.geometry)],
        [w["accuracy"], code_label("accuracy", layer.accuracy, lang)],
        [w["audiences"], sep.join(text["views"].get(a, a) for a in layer.audiences)],
        [w["source"], _data("source", one_language(layer.source, lang), lang)],
        [w["licence"], _data("licence", one_language(layer.licence, lang), lang)],
        [w["feature_count"], doc["feature_count"]],
        [w["extent"], w["extent_value"].format(west=west, south=south, east=east, north=north)],
        [w["crs"], {"lines": [{"text": uri, "code": True} for uri in doc["crs"]]}],
    ]
    rows += [[f"{w['plan']} {clause_label(r.clause, lang)}", _data("quote", r.quote, lang)] for r in layer.plan_refs]
    return render("ogc_document.html", title=layer.title(lang), lang=lang, links=html_links(doc["links"], lang),
                  headers=[w["field"], w["value"]], rows=rows)


@bp.get("/collections")
@operation("the collections", "capabilities", F_PAGE, LANG,
           responses={"200": _response("the collections", "collections", (JSON, "text/html"))})
def collections(q):
    docs = [collection_document(layer, q.lang) for layer in services().catalog.values()]
    links = self_links(".collections", q.f)
    if q.f == "html":
        return _html(collections_page(docs, links, q.lang))
    return jsonify({"collections": docs, "links": links})


@bp.get("/collections/<collection_id>")
@operation("one collection", "capabilities", COLLECTION, F_PAGE, LANG,
           responses={"200": _response("one collection", "collection", (JSON, "text/html"))})
def collection(q, collection_id: str):
    layer = q.layer
    doc = collection_document(layer, q.lang)
    if q.f == "html":
        return _html(collection_page(layer, doc, q.lang))
    return jsonify(doc)


@bp.get("/collections/<collection_id>/queryables")
@operation("queryables of a collection", "capabilities", COLLECTION, F_PAGE, LANG,
           responses={"200": _response("JSON Schema of the queryables", "queryables", (SCHEMA_JSON, "text/html"))})
def queryables(q, collection_id: str):
    layer = q.layer
    store = services().engine
    schema = queryables_schema(store.schema(collection_id), store.geometry_format(collection_id), layer.title_en,
                               absolute_url(".queryables", collection_id=collection_id))
    if q.f == "html":
        w = page_words(q.lang)["queryables"]
        rows = [[{"text": name, "code": True}, w["types"].get(spec.get("type", "geometry"), spec.get("type", ""))]
                for name, spec in schema["properties"].items()]
        return _html(render("ogc_document.html", title=w["title"].format(layer=layer.title(q.lang)), lang=q.lang,
                            links=[], headers=[w["property"], w["type"]], rows=rows))
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


TABLE_EXTRA = ("plan_ref", "accuracy", "source")  # after the popup fields: clause, accuracy, source (as popups)


def table_fields(layer: Layer, frame, lang: str) -> list[str]:
    """The columns of a features table: the layer's popup fields (those the maps show people), then its clause,
    accuracy and source; the name in the page language is the link of the first column, not a column again."""
    name_key = "name_en" if lang == "en" else "name_zh"
    fields = [f for f in dict.fromkeys([*layer.popup_fields, *TABLE_EXTRA]) if f in frame.columns and f != name_key]
    return fields


def field_label(field: str, lang: str) -> str:
    text = strings(lang)
    special = {"plan_ref": page_words(lang)["items"]["clause"], "accuracy": text["accuracy"], "source": text["source"]}
    return special.get(field) or page_words(lang)["fields"].get(field) or text["fields"].get(field, field)


def table_cell(field: str, value, lang: str) -> dict:
    """One value of a feature as a table shows it: codes as words, clauses as labels, bilingual texts in the page
    language, data texts marked with their field and language."""
    if field in CODE_FIELDS:
        value = code_label(field, value, lang)
    elif field == "plan_ref":
        value = clause_label(value, lang)
    return _data(field, one_language(value, lang) if value is not None else "", lang) | {
        "nowrap": field in (*CODE_FIELDS, "plan_ref")}


def feature_name(props: dict, feature_id: str, lang: str) -> tuple[str, str]:
    """A feature's name in the page language (else the other one, else its id) and the field it came from."""
    keys = ("name_en", "name_zh") if lang == "en" else ("name_zh", "name_en")
    key = next((k for k in keys if props.get(k)), None)
    return (str(props[key]), key) if key else (feature_id.split(".", 1)[-1], "id")


def table_rows(layer: Layer, features: list[dict], fields: list[str], lang: str) -> list[dict]:
    rows = []
    for f in features:
        name, key = feature_name(f["properties"], f["id"], lang)
        rows.append({"id": f["id"], "href": with_lang(f["href"], lang), "name": name, "name_field": key,
                     "name_lang": other_lang(name, lang),
                     "cells": [table_cell(c, f["properties"].get(c), lang) for c in fields]})
    return rows


def map_data(layer: Layer, geojson: dict, lang: str) -> dict:
    """What items.js draws: the features in the layer's map style, over the base outlines, with popup labels."""
    text = strings(lang)
    values = {**text["values"], "port_type": text["analysis"]["port_types"], **page_words(lang)["values"]}
    values["status"] = {**text["values"]["status"], **page_words(lang)["values"]["status"]}
    labels = {"fields": {f: field_label(f, lang) for f in layer.popup_fields}, "plan": text["plan"],
              "accuracy": text["accuracy"], "source": text["source"], "accuracies": text["accuracies"],
              "schematic_note": text["schematic_note"], "values": values}
    return {"features": geojson, "style": layer_style(layer, services()), "base": base_geojson(services(), lang),
            "popup": {"fields": list(layer.popup_fields), "labels": labels,
                      "title_field": "name_en" if lang == "en" else "name_zh"}}


def _items_html(layer: Layer, req: ItemsRequest, frame, body: dict) -> str:
    geojson = feature_collection(frame)
    features = [{"id": f["id"], "properties": f["properties"],
                 "href": absolute_url(".item", collection_id=layer.id, feature_id=f["id"], f="html")}
                for f in geojson["features"]]
    fields = table_fields(layer, frame, req.lang)
    words = page_words(req.lang)["items"]
    returned, matched, first = body["numberReturned"], body["numberMatched"], req.query.offset + 1
    summary = (words["count"].format(first=first, last=req.query.offset + returned, matched=matched) if returned
               else words["none"].format(matched=matched))
    links = html_links(body["links"], req.lang, alternate="selection")
    return render("ogc_items.html", title=layer.title(req.lang), lang=req.lang, links=links, summary=summary,
                  headers=[page_words(req.lang)["items"]["feature"], *(field_label(f, req.lang) for f in fields)],
                  rows=table_rows(layer, features, fields, req.lang), data=map_data(layer, geojson, req.lang),
                  map_note=words["map_note"])


def _download(layer: Layer, req: ItemsRequest, frame) -> Response:
    spec = DOWNLOADS[req.format]
    data = export_frame(frame, req.format, layer.id, req.crs)
    headers = {"Content-Disposition": f'attachment; filename="{layer.id}.{spec.extension}"', **_content_crs(req.crs)}
    return Response(data, status=200, mimetype=spec.media_type, headers=headers)


ITEMS_RESPONSE = _response("a page of features (GeoJSON or HTML) or a download with Content-Disposition",
                           "featureCollectionGeoJSON", (GEOJSON, "text/html", *(FORMATS[f] for f in DOWNLOAD_FORMATS)),
                           CRS_HEADER)


@bp.get("/collections/<collection_id>/items")
@operation("features of a collection", "data", COLLECTION, *ITEMS_PARAMS, responses={"200": ITEMS_RESPONSE},
           per_collection=True)
def items(q, collection_id: str):
    layer = q.layer
    store = services().engine
    req = items_request(q, request.args, store.schema(collection_id), store.geometry_name(collection_id),
                        _offered(collection_id))
    result = store.query(collection_id, req.query)
    if req.format in DOWNLOAD_FORMATS:
        return _download(layer, req, result.features)
    returned = len(result.features)
    # no timeStamp (optional in OGC API – Features): the answer, and so its ETag, is a function of the data and the
    # request, whatever second it is made in — every worker and every retry gives the same ETag
    body = {"type": "FeatureCollection", "numberMatched": result.number_matched, "numberReturned": returned,
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
    fields = table_fields(layer, row, lang)
    words = page_words(lang)["items"]
    name, name_field = feature_name(features[0]["properties"], feature_id, lang)
    return render("ogc_items.html", title=name, title_field=name_field, lang=lang,
                  links=html_links(links, lang, collection_title=layer.title(lang)),
                  headers=[words["feature"], *(field_label(f, lang) for f in fields)],
                  rows=table_rows(layer, features, fields, lang), data=map_data(layer, geojson, lang),
                  map_note=words["map_note"])


@bp.get("/collections/<collection_id>/items/<feature_id>")
@operation("one feature", "data", COLLECTION, FEATURE_ID, formats(*PAGE_FORMATS), LANG,
           crs_param("crs", "CRS of the returned geometry"),
           responses={"200": _response("one feature", "featureGeoJSON", (GEOJSON, "text/html"), CRS_HEADER)})
def item(q, collection_id: str, feature_id: str):
    layer = q.layer
    crs = offered_uri(q.crs, "crs", _offered(collection_id))
    row = services().engine.feature(collection_id, feature_id)
    links = item_links(layer, feature_id, q.f)
    if q.f == "html":
        return _item_html(layer, feature_id, row, links, q.lang), 200, {"Content-Type": HTML_UTF8,
                                                                        **_content_crs(CRS84_URI)}
    body = item_document(collection_id, feature_id, crs, row)
    body["links"] = links
    headers = {"Content-Type": GEOJSON, **_content_crs(crs)}
    if layer.editable and crs == CRS84_URI:  # the ETag an edit names in If-Match (any engine, any request)
        headers["ETag"] = f'"{item_etag(collection_id, row)}"'
    return jsonify(body), 200, headers


def item_document(collection_id: str, feature_id: str, crs: str = CRS84_URI, row=None) -> dict:
    """A feature as GeoJSON (geometry in `crs`)."""
    row = services().engine.feature(collection_id, feature_id) if row is None else row
    record = row.drop(columns=row.geometry.name).iloc[0].to_dict()
    return feature_dict(record, transform_geometries(row.geometry, crs)[0])


def item_etag(collection_id: str, row) -> str:
    record = row.drop(columns=[row.geometry.name, "feature_id"]).iloc[0].to_dict()
    return feature_etag(record, row.geometry.iloc[0], services().engine.schema(collection_id))
