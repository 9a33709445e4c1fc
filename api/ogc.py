"""OGC API – Features landing document (content-negotiated at `/`), conformance and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from api.declare import LANG, formats, negotiate, operation
from api.html import render
from api.media import HTML_UTF8, JSON, OPENAPI_JSON
from api.openapi import openapi_document
from api.params import F_PAGE
from api.tiles import CONFORMANCE as TILES_CONFORMANCE
from api.urls import absolute_url

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
    ]


def landing_response():
    return jsonify({"title": TITLE, "description": DESCRIPTION, "links": landing_links()})


@bp.get("/conformance")
@operation("conformance classes", "capabilities", F_PAGE,
           responses={"200": {"description": "conformance classes", "content": {
               JSON: {"schema": {"$ref": "#/components/schemas/confClasses"}}, "text/html": {"schema": {"type": "string"}}}}})
def conformance(q):
    if q.f == "html":
        rows = [[uri] for uri in CONFORMANCE]
        links = [{"rel": "alternate", "type": JSON, "href": absolute_url(".conformance", f="json")}]
        return render("ogc_document.html", title="Conformance", headers=["conformance class"], rows=rows,
                      links=links), 200, {"Content-Type": HTML_UTF8}
    return jsonify({"conformsTo": list(CONFORMANCE)})


@bp.get("/openapi")
@operation("this OpenAPI document", "capabilities", F_PAGE, LANG,
           responses={"200": {"description": "the OpenAPI document", "content": {
               OPENAPI_JSON: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}}})
def openapi(q):
    doc = openapi_document(absolute_url("pages.overview").rstrip("/"))
    if q.f == "html":
        rows = [[path, ", ".join(ops), " ".join(op.get("summary", "") for op in ops.values())]
                for path, ops in doc["paths"].items()]
        links = [{"rel": "alternate", "type": OPENAPI_JSON, "href": absolute_url(".openapi", f="json")}]
        return render("ogc_document.html", title="OpenAPI 3.0", description=doc["info"]["description"],
                      headers=["path", "methods", "summary"], rows=rows, links=links), 200, {"Content-Type": HTML_UTF8}
    return jsonify(doc), 200, {"Content-Type": OPENAPI_JSON}


@bp.after_app_request
def vary_on_accept(response):
    """Responses chosen by the Accept header say so, for caches (and their ETags differ per form)."""
    if request.blueprint in ("ogc", "collections") or request.endpoint == "pages.overview":
        response.vary.add("Accept")
    return response
