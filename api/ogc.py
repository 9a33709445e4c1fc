"""OGC API – Features landing document (content-negotiated at `/`), conformance and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Request, jsonify, request, url_for

from api.html import HTML, render
from api.openapi import openapi_document
from api.params import parse_format

bp = Blueprint("ogc", __name__)
JSON = "application/json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
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
)


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def landing_requested(req: Request) -> bool:
    """`/` gives the landing JSON for `?f=json` or an Accept header without an explicit HTML preference
    (`application/json`, or a bare `*/*` as OWSLib and curl send); browsers name `text/html` and keep the
    overview map, as does a request without an Accept header."""
    if req.args.get("f"):
        return parse_format(req.args, req.accept_mimetypes) == "json"
    accept = req.accept_mimetypes
    if not accept:
        return False
    html_q = max((q for value, q in accept if value in ("text/html", "text/*", "application/xhtml+xml")), default=0)
    return html_q == 0 or accept.quality(JSON) > html_q


def landing_links() -> list[dict]:
    return [
        {"rel": "self", "type": JSON, "title": "this document", "href": _url("pages.overview", f="json")},
        {"rel": "alternate", "type": "text/html", "title": "overview map", "href": _url("pages.overview")},
        {"rel": "service-desc", "type": OPENAPI_JSON, "title": "OpenAPI 3.0 definition", "href": _url("ogc.openapi")},
        {"rel": "service-doc", "type": "text/html", "title": "API documentation", "href": _url("ogc.openapi", f="html")},
        {"rel": "conformance", "type": JSON, "title": "conformance classes", "href": _url("ogc.conformance")},
        {"rel": "data", "type": JSON, "title": "collections", "href": _url("collections.collections")},
    ]


def landing_response():
    return jsonify({"title": TITLE, "description": DESCRIPTION, "links": landing_links()})


@bp.get("/conformance")
def conformance():
    fmt = parse_format(request.args, request.accept_mimetypes)
    if fmt == "html":
        rows = [[uri] for uri in CONFORMANCE]
        links = [{"rel": "alternate", "type": JSON, "href": _url(".conformance", f="json")}]
        return render("ogc_document.html", title="Conformance", headers=["conformance class"], rows=rows,
                      links=links), 200, {"Content-Type": HTML}
    return jsonify({"conformsTo": list(CONFORMANCE)})


@bp.get("/openapi")
def openapi():
    fmt = parse_format(request.args, request.accept_mimetypes)
    doc = openapi_document(_url("pages.overview").rstrip("/"))
    if fmt == "html":
        rows = [[path, ", ".join(ops), " ".join(op.get("summary", "") for op in ops.values())]
                for path, ops in doc["paths"].items()]
        links = [{"rel": "alternate", "type": OPENAPI_JSON, "href": _url(".openapi", f="json")}]
        return render("ogc_document.html", title="OpenAPI 3.0", description=doc["info"]["description"],
                      headers=["path", "methods", "summary"], rows=rows, links=links), 200, {"Content-Type": HTML}
    return jsonify(doc), 200, {"Content-Type": OPENAPI_JSON}


@bp.after_app_request
def vary_on_accept(response):
    """Responses chosen by the Accept header say so, for caches (and their ETags differ per form)."""
    if request.blueprint in ("ogc", "collections") or request.endpoint == "pages.overview":
        response.vary.add("Accept")
    return response
