"""OpenAPI descriptions of the analysis endpoints (api/analysis.py): parameters, bodies and responses."""

from __future__ import annotations

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
_ERR = {"$ref": "#/components/responses/InvalidParameter"}
_NOT_FOUND = {"$ref": "#/components/responses/NotFound"}


def _q(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _ok(description: str, media: str = JSON, html: bool = False) -> dict:
    content = {media: {"schema": {"type": "object"}}}
    if html:
        content[HTML] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


def _get(op_id: str, summary: str, params: list[dict], ok: dict, not_found: bool = False) -> dict:
    responses = {"200": ok, "400": _ERR}
    if not_found:
        responses["404"] = _NOT_FOUND
    return {"get": {"operationId": op_id, "summary": summary, "tags": ["analysis"], "parameters": params,
                    "responses": responses}}


FORMAT = _q("f", "json (default) or html", {"type": "string", "enum": ["json", "html"]})
LANG = _q("lang", "language of the HTML page", {"type": "string", "enum": ["zh", "en"], "default": "zh"})
CORRIDOR = _path("corridor_id", "corridor id, e.g. yxo_madrid (see /collections/corridors/items)")


def analysis_paths() -> dict[str, dict]:
    site_body = {"required": True, "description": "a GeoJSON geometry, Feature or FeatureCollection in WGS84 "
                 "lon/lat (at most 1 MB and 100,000 vertices)",
                 "content": {JSON: {"schema": {"type": "object", "required": ["type"]}},
                             GEOJSON: {"schema": {"type": "object", "required": ["type"]}}}}
    site = {"operationId": "checkSite", "summary": "site compliance report: zones touched (overlap in EPSG:4549), "
            "geodesic distances to hubs, nearest corridor, inside Yiwu, plan clauses", "tags": ["analysis"],
            "parameters": [FORMAT, LANG], "requestBody": site_body,
            "responses": {"200": _ok("the report (JSON) or a printable page (HTML)", html=True),
                          "400": {"$ref": "#/components/responses/InvalidParameter"},
                          "413": {"description": "body or geometry over the size limit",
                                  "content": {JSON: {"schema": {"$ref": "#/components/schemas/exception"}}}}}}
    return {
        "/analysis/site": {"post": site},
        "/parks": _get("getParks", "industrial parks: area, industries, targets, distances, zones", [],
                       _ok("the parks")),
        "/parks/compare": _get("compareParks", "parks side by side",
                               [_q("ids", "two or more park ids, comma-separated", {"type": "string"}, True)],
                               _ok("the parks asked for"), not_found=True),
        "/corridors/{corridor_id}/metrics": _get(
            "getCorridorMetrics", "geodesic and published length, countries crossed, transit days, elevation profile",
            [CORRIDOR, _q("speed_kmh", "average speed for transit days (default by mode)",
                          {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 1000})],
            _ok("the metrics"), not_found=True),
        "/corridors/{corridor_id}/warehouses": _get(
            "getCorridorWarehouses", "overseas warehouses within a distance of a corridor",
            [CORRIDOR, _q("within_km", "distance in km (default 200)", {"type": "number", "minimum": 0,
                                                                         "maximum": 5000})],
            _ok("warehouses, nearest first", GEOJSON), not_found=True),
        "/warehouses/near": _get(
            "getWarehousesNear", "the k overseas warehouses nearest to a point",
            [_q("lon", "longitude", {"type": "number", "minimum": -180, "maximum": 180}, True),
             _q("lat", "latitude", {"type": "number", "minimum": -90, "maximum": 90}, True),
             _q("k", "how many (default 5)", {"type": "integer", "minimum": 1, "maximum": 200})],
            _ok("warehouses with distance_km", GEOJSON)),
        "/indicators": _get("getIndicators", "every quantitative target of the plan with clause and quote",
                            [FORMAT, LANG], _ok("the indicators (JSON) or a page with charts (HTML)", html=True)),
    }
