"""The OpenAPI 3.0 document of the service, built from the catalog, the supported CRSs and the app's routes.

The OGC API – Features paths are described in full (one items path per collection lists its queryables as
equality parameters); any other route of the app gets a generic entry from its view's docstring, so the
document always covers every endpoint."""

from __future__ import annotations

import re

from flask import current_app

from api.openapi_analysis import analysis_paths
from api.params import DEFAULT_LIMIT, ITEMS_FORMATS, MAX_LIMIT, PAGE_FORMATS
from api.services import services
from geo.filters import FILTER_LANGS, property_types
from geo.ogccrs import CRS84_URI, SUPPORTED

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
DOWNLOAD_TYPES = {"text/csv": "CSV, WKT geometry", "application/geopackage+sqlite3": "GeoPackage",
                  "application/zip": "zipped Shapefile (.prj, .cpg UTF-8)", "application/flatgeobuf": "FlatGeobuf"}
_REF = "#/components/{kind}/{name}"
DESCRIBED_BLUEPRINTS = ("collections", "ogc", "analysis")
DESCRIBED_ENDPOINTS = ("static", "pages.overview")


def _ref(kind: str, name: str) -> dict:
    return {"$ref": _REF.format(kind=kind, name=name)}


def _query(name: str, description: str, schema: dict, style: str | None = None) -> dict:
    param = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if style:
        param.update(style=style, explode=False)
    return param


def _parameters() -> dict[str, dict]:
    crs_enum = {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84_URI}
    return {
        "collectionId": {"name": "collectionId", "in": "path", "required": True, "description": "collection id",
                         "schema": {"type": "string", "enum": list(services().catalog)}},
        "featureId": {"name": "featureId", "in": "path", "required": True, "description": "feature id",
                      "schema": {"type": "string"}},
        "f": _query("f", "output format; without it the Accept header decides (JSON unless HTML is preferred)",
                    {"type": "string", "enum": list(PAGE_FORMATS)}),
        "f-items": _query("f", "output format: GeoJSON, HTML, or a download (csv, gpkg, shp, fgb: every matched "
                          "feature unless limit is given)", {"type": "string", "enum": list(ITEMS_FORMATS)}),
        "lang": _query("lang", "language of titles", {"type": "string", "enum": ["zh", "en"], "default": "zh"}),
        "bbox": _query("bbox", "min1,min2,max1,max2 (or 6 numbers with heights) in the axis order of bbox-crs",
                       {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}, "form"),
        "bbox-crs": _query("bbox-crs", "CRS of bbox (default CRS84)", crs_enum),
        "crs": _query("crs", "CRS of the returned geometries (EPSG:4326 and EPSG:4490 are lat/lon, EPSG:4549 "
                      "northing/easting; offered per collection, see its `crs`)", crs_enum),
        "limit": _query("limit", "page size", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                               "default": DEFAULT_LIMIT}),
        "offset": _query("offset", "start index in the matched features", {"type": "integer", "minimum": 0,
                                                                          "default": 0}),
        "properties": _query("properties", "comma-separated properties to return",
                             {"type": "array", "items": {"type": "string"}}, "form"),
        "sortby": _query("sortby", "comma-separated properties, prefix - for descending, + (default) ascending",
                         {"type": "array", "items": {"type": "string"}}, "form"),
        "datetime": _query("datetime", "RFC 3339 instant or interval; the layers carry no temporal geometry, so "
                           "a valid value restricts nothing (filter on `year` instead)", {"type": "string"}),
        "filter": _query("filter", "CQL2 expression (text or JSON) on the queryables", {"type": "string"}),
        "filter-lang": _query("filter-lang", "language of filter", {"type": "string", "enum": list(FILTER_LANGS)}),
        "filter-crs": _query("filter-crs", "CRS of geometries in filter (CRS84 only)",
                             {"type": "string", "format": "uri", "enum": [CRS84_URI]}),
    }


def _schemas() -> dict[str, dict]:
    link = {"type": "object", "required": ["href", "rel"],
            "properties": {k: {"type": "string"} for k in ("href", "rel", "type", "title", "hreflang")}}
    links = {"type": "array", "items": _ref("schemas", "link")}
    return {
        "exception": {"type": "object", "required": ["code", "description"],
                      "properties": {"code": {"type": "string"}, "description": {"type": "string"}}},
        "link": link,
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "itemType": {"type": "string"}, "feature_count": {"type": "integer"}, "links": links,
            "extent": {"type": "object"}, "crs": {"type": "array", "items": {"type": "string"}},
            "storageCrs": {"type": "string"}}},
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "collections": {"type": "array", "items": _ref("schemas", "collection")}}},
        "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
            "geometry": {"type": "object", "nullable": True}, "properties": {"type": "object", "nullable": True},
            "links": links}},
        "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")}, "links": links,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}}},
        "queryables": {"type": "object", "required": ["properties"], "properties": {
            "properties": {"type": "object"}, "$id": {"type": "string"}, "type": {"type": "string"}}},
    }


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("schemas", "exception")}}}


def _content(media: str, schema: str | None) -> dict:
    return {media: {"schema": _ref("schemas", schema) if schema else {"type": "string"}}}


def _responses() -> dict[str, dict]:
    html = _content(HTML, None)
    crs_header = {"Content-Crs": {"description": "CRS of the geometries, as <URI>", "schema": {"type": "string"}}}
    downloads = {media: {"schema": {"type": "string", "format": "binary"}} for media in DOWNLOAD_TYPES}
    return {
        "LandingPage": {"description": "the landing page", "content": _content(JSON, "landingPage")},
        "ConformanceDeclaration": {"description": "conformance classes",
                                   "content": _content(JSON, "confClasses") | html},
        "Collections": {"description": "the collections", "content": _content(JSON, "collections") | html},
        "Collection": {"description": "one collection", "content": _content(JSON, "collection") | html},
        "Queryables": {"description": "JSON Schema of the queryables",
                       "content": _content("application/schema+json", "queryables") | html},
        "Features": {"description": "a page of features (GeoJSON or HTML) or a download with Content-Disposition",
                     "headers": crs_header,
                     "content": _content(GEOJSON, "featureCollectionGeoJSON") | html | downloads},
        "Feature": {"description": "one feature", "headers": crs_header,
                    "content": _content(GEOJSON, "featureGeoJSON") | html},
        "InvalidParameter": _error("a malformed or unsupported parameter (named in the description)"),
        "NotFound": _error("unknown collection, feature or path"),
        "ServerError": _error("server error"),
    }


def _operation(op_id: str, summary: str, tag: str, params: list[str | dict], response: str,
               not_found: bool = False) -> dict:
    responses = {"200": _ref("responses", response), "400": _ref("responses", "InvalidParameter"),
                 "500": _ref("responses", "ServerError")}
    if not_found:
        responses["404"] = _ref("responses", "NotFound")
    parameters = [p if isinstance(p, dict) else _ref("parameters", p) for p in params]
    return {"get": {"operationId": op_id, "summary": summary, "tags": [tag], "parameters": parameters,
                    "responses": responses}}


ITEMS_PARAMS = ["f-items", "lang", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "properties", "sortby",
                "filter", "filter-lang", "filter-crs"]


def _collection_items(layer_id: str) -> dict:
    """The items path of one collection: the common parameters plus one equality filter per queryable."""
    kinds = property_types(services().store.frame(layer_id))
    equality = [_query(name, f"features whose {name} equals this value", {"type": kind})
                for name, kind in kinds.items()]
    return _operation(f"getItems_{layer_id}", f"features of {layer_id}", "data", ITEMS_PARAMS + equality,
                      "Features")


def _ogc_paths() -> dict[str, dict]:
    paths = {
        "/": _operation("getLandingPage", "landing page (JSON by ?f=json or Accept: application/json; "
                        "otherwise the overview map)", "capabilities", ["f", "lang"], "LandingPage"),
        "/conformance": _operation("getConformance", "conformance classes", "capabilities", ["f"],
                                   "ConformanceDeclaration"),
        "/openapi": _operation("getOpenAPI", "this document", "capabilities", ["f"], "LandingPage"),
        "/collections": _operation("getCollections", "the collections", "capabilities", ["f", "lang"],
                                   "Collections"),
        "/collections/{collectionId}": _operation("getCollection", "one collection", "capabilities",
                                                  ["collectionId", "f", "lang"], "Collection", True),
        "/collections/{collectionId}/queryables": _operation("getQueryables", "queryables of a collection",
                                                             "capabilities", ["collectionId", "f"], "Queryables",
                                                             True),
        "/collections/{collectionId}/items": _operation("getFeatures", "features of a collection", "data",
                                                        ["collectionId", *ITEMS_PARAMS], "Features", True),
        "/collections/{collectionId}/items/{featureId}": _operation(
            "getFeature", "one feature", "data", ["collectionId", "featureId", "f", "crs"], "Feature", True),
    }
    paths["/"]["get"]["responses"]["200"] = {"description": "landing page or overview map", "content": {
        JSON: {"schema": _ref("schemas", "landingPage")}, HTML: {"schema": {"type": "string"}}}}
    paths["/openapi"]["get"]["responses"]["200"] = {"description": "this OpenAPI document", "content": {
        "application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}, HTML: {"schema": {
            "type": "string"}}}}
    for layer_id in services().catalog:
        paths[f"/collections/{layer_id}/items"] = _collection_items(layer_id)
    return paths


def _openapi_path(rule: str) -> tuple[str, list[str]]:
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule), names


def _generic_paths(described: set[str]) -> dict[str, dict]:
    """Every other GET route of the app, with its path parameters and the view's docstring."""
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        path, names = _openapi_path(rule.rule)
        if "GET" not in (rule.methods or ()) or path in described or rule.endpoint in DESCRIBED_ENDPOINTS \
                or rule.endpoint.split(".")[0] in DESCRIBED_BLUEPRINTS:
            continue
        doc = (current_app.view_functions[rule.endpoint].__doc__ or rule.endpoint).strip().splitlines()[0]
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]
        paths[path] = {"get": {"operationId": rule.endpoint.replace(".", "_"), "summary": doc, "tags": ["other"],
                               "parameters": params, "x-generated": True,
                               "responses": {"200": {"description": doc},
                                             "default": _ref("responses", "NotFound")}}}
    return paths


def openapi_document(base_url: str) -> dict:
    paths = _ogc_paths() | analysis_paths()
    paths.update(_generic_paths(set(paths)))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Yiwu planning map service", "version": "1.0.0",
                 "description": "OGC API – Features (Core, GeoJSON, HTML, OAS30, CRS, Filtering with CQL2) over "
                                "the layers of Yiwu's 14th Five-Year Plan, plus the map pages and plan tables.",
                 "license": {"name": "see data/README.md"}},
        "servers": [{"url": base_url or "/"}],
        "tags": [{"name": "capabilities"}, {"name": "data"}, {"name": "analysis"}, {"name": "other"}],
        "paths": paths,
        "components": {"parameters": _parameters(), "schemas": _schemas(), "responses": _responses()},
    }
