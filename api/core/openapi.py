"""The OpenAPI 3.0 document, generated from the routes and their declarations (api/core/declare.py): every route of the
app is described by the `@operation` its view carries — the same objects that parse its requests — so the
document cannot drift from the server. The items path is also given once per collection with its queryables."""

from __future__ import annotations

import re
from dataclasses import replace

from flask import current_app

from api.core.declare import Operation, declared
from api.core.models import Problem, openapi_schema
from api.core.services import services
from geo.core.limits import MAX_BODY_BYTES, MAX_ITEMS_LIMIT, MAX_JSON_NESTING, MAX_VERTICES, MAX_ZONES
from geo.query.cql2 import MAX_FILTER_CHARS, MAX_FILTER_NESTING, MAX_FILTER_PREDICATES

_PATH_VAR = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
COLLECTION_VAR = "collection_id"  # the path variable naming a collection
TAGS = ("capabilities", "data", "tiles", "analysis", "rasters", "pages", "accounts", "editing", "audit", "other")
TAGS += ("styles",)  # OGC API – Styles (issue 23)
SECURITY = [{"bearerAuth": []}, {"cookieAuth": []}]  # an operation with a role: either credential
LIMITS_TEXT = (f"Limits: POST bodies at most {MAX_BODY_BYTES:,} bytes, {MAX_VERTICES:,} vertices, {MAX_ZONES:,} "
               f"features and {MAX_JSON_NESTING} levels of nesting (413/400 beyond); CQL2 filters at most "
               f"{MAX_FILTER_CHARS:,} characters, {MAX_FILTER_PREDICATES} predicates and {MAX_FILTER_NESTING} levels "
               f"of nesting; items pages at most {MAX_ITEMS_LIMIT:,} features.")


ACCESS_TEXT = ("Reading is public without credentials; internal layers, and operations that name a role, need a "
               "signed-in user (bearerAuth or cookieAuth): this document lists what its reader may see.")


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("schemas", "exception")}}}


ERRORS = {
    "400": _error("a malformed or unsupported parameter or body (named in the description)"),
    "404": _error("unknown resource (collection, feature, raster, view or path)"),
    "413": _error("body over a size limit (bytes, vertices or features)"),
    "401": _error("no credentials, or a bearer token that is not valid") | {"headers": {"WWW-Authenticate": {
        "description": 'Bearer realm="yiwu" (with error="invalid_token" for a bad token)', "schema": {"type": "string"}}}},
    "403": _error("the user's role is below the one the operation needs, or a session's request lacks its CSRF token"),
}


def openapi_path(rule: str) -> tuple[str, list[str]]:
    return _PATH_VAR.sub(r"{\1}", rule), _PATH_VAR.findall(rule)


def _parameters(op: Operation, path_vars: list[str]) -> list[dict]:
    declared_path = {p.name for p in op.params if p.where == "path"}
    missing = [v for v in path_vars if v not in declared_path]
    if missing:
        raise ValueError(f"path variables {missing} are not declared")
    return [p.openapi() for p in op.params]


def _responses(op: Operation, path_vars: list[str]) -> dict:
    out = dict(op.responses) or {"200": {"description": "success"}}
    if op.params or op.body:
        out.setdefault("400", ERRORS["400"])
    if path_vars or op.per_collection or op.not_found:
        out.setdefault("404", ERRORS["404"])
    if op.body:
        out.setdefault("413", ERRORS["413"])
    if op.role:
        out.setdefault("401", ERRORS["401"])
        out.setdefault("403", ERRORS["403"])
    return out


def operation_object(op: Operation, op_id: str, path_vars: list[str], extra: list[dict] = ()) -> dict:
    out = {"operationId": op_id, "summary": op.summary, "tags": [op.tag],
           "parameters": _parameters(op, path_vars) + list(extra), "responses": _responses(op, path_vars)}
    if op.body:
        out["requestBody"] = {"required": True, "description": op.body.description,
                              "content": {m: {"schema": dict(op.body.schema)} for m in op.body.media_types}}
    if op.role:
        out["security"] = SECURITY
        out["description"] = f"Needs a signed-in user of role {op.role} or above."
    return out


def _queryable_params(layer_id: str) -> list[dict]:
    kinds = services().engine.schema(layer_id)
    return [{"name": name, "in": "query", "required": False, "description": f"features whose {name} equals this value",
             "schema": {"type": kind}} for name, kind in kinds.items() if name not in ("f", "lang")]


def _per_collection(op: Operation, path: str, op_id: str) -> dict[str, dict]:
    """The operation once per collection: the path variable fixed, the queryables as equality parameters."""
    concrete = Operation(op.summary, op.tag, tuple(p for p in op.params if p.where != "path"), op.responses,
                         op.body, op.default_format, role=op.role)
    out = {}
    for layer_id in services().catalog:
        item_path = path.replace("{collection_id}", layer_id)
        out[item_path] = {"get": operation_object(concrete, f"{op_id}_{layer_id}", [], _queryable_params(layer_id))}
        out[item_path]["get"]["summary"] = f"features of {layer_id}"
        _name_enums(out[item_path]["get"]["parameters"], list(services().engine.schema(layer_id)))
    return out


def _name_enums(parameters: list[dict], names: list[str]) -> None:
    """On a collection's own path, `properties` and `sortby` name its properties: the schema lists them."""
    for param in parameters:
        if param["name"] == "properties":
            param["schema"]["items"] = {"type": "string", "enum": names}
        elif param["name"] == "sortby":
            param["schema"]["items"] = {"type": "string", "enum": [f"{s}{n}" for n in names for s in ("", "+", "-")]}


def _fixed_collection(op: Operation) -> Operation:
    """The operation on one collection's own path: without the collection path parameter."""
    params = tuple(p for p in op.params if not (p.where == "path" and p.name == COLLECTION_VAR))
    return replace(op, params=params)


def _on_editable(op: Operation, path: str, path_vars: list[str], method: str, op_id: str, out: dict) -> None:
    """An editable-only operation on the path of each editable collection (with the template's other methods)."""
    rest = [v for v in path_vars if v != COLLECTION_VAR]
    for layer_id in (lay.id for lay in services().catalog.values() if lay.editable):
        own = out.setdefault(path.replace(f"{{{COLLECTION_VAR}}}", layer_id), {})
        own[method.lower()] = operation_object(_fixed_collection(op), f"{op_id}_{layer_id}", rest)
        for other, template in out.get(path, {}).items():
            own.setdefault(other, {**template, "operationId": f"{template['operationId']}_{layer_id}", "parameters": [
                p for p in template["parameters"] if not (p["in"] == "path" and p["name"] == COLLECTION_VAR)]})


def paths() -> dict[str, dict]:
    """Every route of the app, from its declaration; a route without one is an error of the code."""
    out: dict[str, dict] = {}
    editable_only: list[tuple] = []
    for rule in current_app.url_map.iter_rules():
        op = declared(current_app.view_functions[rule.endpoint])
        if op is None:
            raise ValueError(f"route {rule.rule} ({rule.endpoint}) has no @operation declaration")
        path, path_vars = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            op_id = rule.endpoint.replace(".", "_") + ("" if method == "GET" else f"_{method.lower()}")
            if op.editable_only:
                editable_only.append((op, path, path_vars, method, op_id))
                continue
            out.setdefault(path, {})[method.lower()] = operation_object(op, op_id, path_vars)
            if op.per_collection:
                out.update(_per_collection(op, path, op_id))
    for args in editable_only:  # after the templates: their methods are copied onto each editable path
        _on_editable(*args, out)
    return {path: ops for path, ops in out.items() if ops}


def _schemas() -> dict[str, dict]:
    link = {"type": "object", "required": ["href", "rel"],
            "properties": {k: {"type": "string"} for k in ("href", "rel", "type", "title", "hreflang")}}
    links = {"type": "array", "items": _ref("schemas", "link")}
    return {
        "exception": openapi_schema(Problem),
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
            "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}}},
        "queryables": {"type": "object", "required": ["properties"], "properties": {
            "properties": {"type": "object"}, "$id": {"type": "string"}, "type": {"type": "string"}}},
    }


SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "an API token from `python -m geo users add NAME --role ROLE` (or `users token`)"},
    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "yiwu_session",
                   "description": "the browser session of /login; its POST, PUT, PATCH and DELETE requests also send "
                                  "the session's CSRF token (X-CSRF-Token header or csrf_token form field)"},
}


def openapi_document(base_url: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Yiwu planning map service", "version": "1.1.0",
                 "description": "OGC API – Features (Core, GeoJSON, HTML, OAS30, CRS, Filtering with CQL2) over the "
                                "layers of Yiwu's 14th Five-Year Plan, analyses, rasters and the map pages. "
                                + LIMITS_TEXT + " " + ACCESS_TEXT,
                 "license": {"name": "see data/README.md"}},
        "servers": [{"url": base_url or "/"}],
        "tags": [{"name": t} for t in TAGS],
        "paths": paths(),
        "components": {"schemas": _schemas(), "securitySchemes": SECURITY_SCHEMES},
    }

