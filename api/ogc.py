"""OGC API – Features landing document (content-negotiated at `/`), conformance and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from api.core.declare import LANG, formats, negotiate, operation
from api.core.media import HTML_UTF8, JSON, OPENAPI_JSON
from api.core.openapi import openapi_document
from api.core.params import F_PAGE
from api.core.services import services
from api.core.urls import absolute_url
from api.edit import CONFORMANCE as EDIT_CONFORMANCE
from api.html.render import render
from api.html.text import html_links, other_lang, page_words
from api.processes import CONFORMANCE as PROCESSES_CONFORMANCE
from api.styles import CONFORMANCE as STYLES_CONFORMANCE
from api.tiles import CONFORMANCE as TILES_CONFORMANCE
from geo.core.limits import MAX_BODY_BYTES, MAX_ITEMS_LIMIT, MAX_JSON_NESTING, MAX_VERTICES, MAX_ZONES
from geo.query.cql2 import MAX_FILTER_CHARS, MAX_FILTER_NESTING, MAX_FILTER_PREDICATES

bp = Blueprint("ogc", __name__)
TITLE = "义乌规划地图服务 · Yiwu planning map service"
DESCRIPTION = ("Spatial commitments of Yiwu's 14th Five-Year Plan as OGC API – Features: zones, industrial "
               "parks, logistics hubs, corridors and overseas warehouses.")

_FEATURES = "http://www.opengis.net/spec/ogcapi-features-{part}/1.0/conf/{name}"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/{name}"
CONFORMANCE: tuple[str, ...] = (
    _FEATURES.format(part=1, name="core"),
    _FEATURES.format(part=1, name="geojson"),
    _FEATURES.format(part=1, name="html"),
    _FEATURES.format(part=1, name="oas30"),
    _FEATURES.format(part=2, name="crs"),
    _FEATURES.format(part=3, name="queryables"),
    _FEATURES.format(part=3, name="queryables-query-parameters"),
    _FEATURES.format(part=3, name="filter"),
    _FEATURES.format(part=3, name="features-filter"),
    _CQL2.format(name="cql2-text"),
    _CQL2.format(name="cql2-json"),
    _CQL2.format(name="basic-cql2"),
    _CQL2.format(name="advanced-comparison-operators"),
    _CQL2.format(name="basic-spatial-functions"),
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    *TILES_CONFORMANCE,
    *EDIT_CONFORMANCE,
    *PROCESSES_CONFORMANCE,  # issue 24
    *STYLES_CONFORMANCE,
)
LANDING_F = formats("json", "html", description="json: the landing document; html: the overview map. Without it, "
                    "JSON when the Accept header does not name HTML (curl, OGC clients), else the map")


def landing_format(fmt: str | None) -> str:
    """`f`, else JSON unless the client names HTML in Accept (browsers); no Accept header: the map."""
    if fmt or not request.accept_mimetypes:
        return fmt or "html"
    html_named = any(value in ("text/html", "application/xhtml+xml") for value, _ in request.accept_mimetypes)
    return negotiate(None, request.accept_mimetypes, ("html", "json") if html_named else ("json",), "json")


def landing_links() -> list[dict]:
    return [
        {"rel": "self", "type": JSON, "title": "this document", "href": absolute_url("pages.overview", f="json")},
        {"rel": "alternate", "type": "text/html", "title": "overview map", "href": absolute_url("pages.overview")},
        {"rel": "service-desc", "type": OPENAPI_JSON, "title": "OpenAPI 3.0 definition",
         "href": absolute_url("ogc.openapi")},
        {"rel": "service-doc", "type": "text/html", "title": "API documentation",
         "href": absolute_url("ogc.openapi", f="html")},
        {"rel": "conformance", "type": JSON, "title": "conformance classes", "href": absolute_url("ogc.conformance")},
        {"rel": "data", "type": JSON, "title": "collections", "href": absolute_url("collections.collections")},
        {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "type": JSON, "title": "tile matrix sets",
         "href": absolute_url("tiles.tile_matrix_sets")},
        {"rel": "http://www.opengis.net/def/rel/ogc/1.0/processes", "type": JSON, "title": "processes",
         "href": absolute_url("processes.processes")},  # issue 24
        {"rel": "http://www.opengis.net/def/rel/ogc/1.0/job-list", "type": JSON, "title": "jobs",
         "href": absolute_url("processes.jobs")},
    ]


def landing_response():
    return jsonify({"title": TITLE, "description": DESCRIPTION, "links": landing_links()})


@bp.get("/conformance")
@operation("conformance classes", "capabilities", F_PAGE, LANG,
           responses={"200": {"description": "conformance classes", "content": {
               JSON: {"schema": {"$ref": "#/components/schemas/confClasses"}}, "text/html": {"schema": {"type": "string"}}}}})
def conformance(q):
    if q.f == "html":
        w = page_words(q.lang)["conformance"]
        rows = [[{"text": uri, "code": True}] for uri in CONFORMANCE]
        links = [{"rel": "alternate", "type": JSON, "href": absolute_url(".conformance", f="json")}]
        return render("ogc_document.html", title=w["title"], description=w["intro"], headers=[w["class"]],
                      rows=rows, lang=q.lang, links=html_links(links, q.lang)), 200, {"Content-Type": HTML_UTF8}
    return jsonify({"conformsTo": list(CONFORMANCE)})


@bp.get("/openapi")
@operation("this OpenAPI document", "capabilities", F_PAGE, LANG,
           responses={"200": {"description": "the OpenAPI document", "content": {
               OPENAPI_JSON: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}}})
def openapi(q):
    doc = openapi_document(absolute_url("pages.overview").rstrip("/"))
    if q.f == "html":
        return openapi_page(doc, q.lang), 200, {"Content-Type": HTML_UTF8}
    return jsonify(doc), 200, {"Content-Type": OPENAPI_JSON}


def operation_summary(op: dict, lang: str) -> str:
    """An operation's summary in the page language; the per-collection items paths name the layer by its title."""
    w = page_words(lang)["openapi"]
    op_id = op.get("operationId", "")
    for layer_id, layer in services().catalog.items():
        if op_id.endswith("_" + layer_id) and op_id[: -len(layer_id) - 1] in w["operations"]:
            return w["features_of"].format(layer=layer.title(lang))
    return w["operations"].get(op_id, op.get("summary", ""))


def openapi_page(doc: dict, lang: str) -> str:
    """The OpenAPI document as a page: every path, its methods and what each does, in the page language."""
    w = page_words(lang)["openapi"]
    rows = []
    for path, ops in doc["paths"].items():
        summaries = [operation_summary(op, lang) for op in ops.values()]
        text = "；".join(summaries) if lang != "en" else "; ".join(summaries)
        rows.append([{"text": path, "code": True}, {"lines": [{"text": m.upper(), "code": True} for m in ops]},
                     {"text": text, "lang": other_lang(text, lang), "field": "summary"}])
    description = w["description"].format(
        body_bytes=f"{MAX_BODY_BYTES:,}", vertices=f"{MAX_VERTICES:,}", features=f"{MAX_ZONES:,}",
        nesting=MAX_JSON_NESTING, filter_chars=f"{MAX_FILTER_CHARS:,}", predicates=MAX_FILTER_PREDICATES,
        filter_nesting=MAX_FILTER_NESTING, items=f"{MAX_ITEMS_LIMIT:,}")
    links = [{"rel": "alternate", "type": OPENAPI_JSON, "href": absolute_url(".openapi", f="json")}]
    return render("ogc_document.html", title=w["title"], description=description, lang=lang,
                  headers=[w["path"], w["methods"], w["summary"]], rows=rows, links=html_links(links, lang))


@bp.after_app_request
def vary_on_accept(response):
    """Responses chosen by the Accept header say so, for caches (and their ETags differ per form)."""
    if request.blueprint in ("ogc", "collections") or request.endpoint == "pages.overview":
        response.vary.add("Accept")
    return response
