"""Analysis for planners, investors and logistics teams: site compliance, parks, corridor metrics,
nearest warehouses. Distances are geodesic: geometries are projected to an azimuthal equidistant
projection centred on the query, where distances from the centre are true ellipsoidal distances."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geo.crs import CGCS2000_GK_CM120, WGS84, require_crs
from geo.errors import InvalidGeometryError, TooLargeError
from geo.measure import area_km2, geodesic_length_km
from geo.transit import compare_days, speeds_for, transit_estimate

LOGGER = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")
MAX_VERTICES = 100_000


def _aeqd(lon: float, lat: float) -> CRS:
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m +no_defs")


def check_site_geometry(geom) -> tuple[object, str | None]:
    """Refuse empty, out-of-range or oversized geometries; repair invalid polygons (and say why)."""
    if geom is None or geom.is_empty:
        raise InvalidGeometryError("geometry is empty")
    coords = shapely.get_coordinates(geom)
    if len(coords) > MAX_VERTICES:
        raise TooLargeError(f"geometry has {len(coords)} vertices; the limit is {MAX_VERTICES}")
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise InvalidGeometryError("coordinates must be WGS84 lon/lat within [-180, 180] x [-90, 90] (lon first)")
    if geom.is_valid:
        return geom, None
    reason = shapely.is_valid_reason(geom)
    repaired = shapely.make_valid(geom)
    polys = [p for p in shapely.get_parts(repaired) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        raise InvalidGeometryError(f"invalid geometry ({reason}) could not be repaired into a polygon")
    return shapely.union_all(polys), f"repaired invalid geometry: {reason}"


def _frame_of(geom) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[geom], crs=WGS84)


def zone_overlaps(site, zones: dict[str, gpd.GeoDataFrame]) -> list[dict]:
    """Every zone/park feature the site touches, with the overlap in km² (EPSG:4549) and % of the site."""
    site_gk = _frame_of(site).to_crs(CGCS2000_GK_CM120).geometry[0]
    site_area = site_gk.area
    out = []
    for layer_id, frame in zones.items():
        require_crs(frame, WGS84)
        hits = frame.iloc[frame.sindex.query(site, predicate="intersects")]
        for _, row in hits.sort_values("feature_id").iterrows():
            overlap = _frame_of(row.geometry).to_crs(CGCS2000_GK_CM120).geometry[0].intersection(site_gk).area
            out.append({"layer": layer_id, "id": row["feature_id"], "name_zh": row["name_zh"],
                        "name_en": row["name_en"], "plan_ref": row["plan_ref"], "accuracy": row["accuracy"],
                        "overlap_km2": round(overlap / 1e6, 4),
                        "overlap_pct": round(overlap / site_area * 100, 2) if site_area > 0 else None})
    return out


def distances_km(site, frame: gpd.GeoDataFrame) -> np.ndarray:
    """Geodesic distance from the site (nearest point) to each feature of the frame, km."""
    centre = site.centroid
    crs = _aeqd(centre.x, centre.y)
    site_p = _frame_of(site).to_crs(crs).geometry[0]
    return frame.to_crs(crs).distance(site_p).to_numpy() / 1000.0


def hub_distances(site, hubs: gpd.GeoDataFrame) -> list[dict]:
    dist = distances_km(site, hubs)
    rows = [{"id": fid, "name_zh": zh, "name_en": en, "port_type": pt, "status": st, "distance_km": round(float(d), 3)}
            for fid, zh, en, pt, st, d in zip(hubs["feature_id"], hubs["name_zh"], hubs["name_en"],
                                               hubs["port_type"], hubs["status"], dist, strict=False)]
    return sorted(rows, key=lambda r: r["distance_km"])


def nearest_feature(site, frame: gpd.GeoDataFrame) -> dict:
    dist = distances_km(site, frame)
    i = int(np.argmin(dist))
    row = frame.iloc[i]
    return {"id": row["feature_id"], "name_zh": row["name_zh"], "name_en": row["name_en"],
            "distance_km": round(float(dist[i]), 3)}


@dataclass(frozen=True)
class SiteContext:
    """The layers a site check reads."""

    zones: dict[str, gpd.GeoDataFrame]
    hubs: gpd.GeoDataFrame
    corridors: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame


def site_report(geom, ctx: SiteContext) -> dict:
    """The compliance report of one WGS84 site geometry."""
    site, repair_note = check_site_geometry(geom)
    zones = zone_overlaps(site, ctx.zones)
    clauses = sorted({z["plan_ref"] for z in zones} | {"§5"}, key=lambda c: int(c.strip("§")) if c.strip("§").isdigit() else 99)
    area = float(area_km2(_frame_of(site)).iloc[0]) if site.geom_type in ("Polygon", "MultiPolygon") else 0.0
    report = {"area_km2": round(area, 4), "inside_yiwu": bool(ctx.boundary.geometry.iloc[0].contains(site)),
              "zones": zones, "hubs": hub_distances(site, ctx.hubs),
              "nearest_corridor": nearest_feature(site, ctx.corridors), "plan_clauses": clauses,
              "geometry_type": site.geom_type}
    if repair_note:
        report["note"] = repair_note
    return report


def countries_crossed(line, countries: gpd.GeoDataFrame) -> list[dict]:
    """Countries a line passes through, in order along it, with the km inside each."""
    require_crs(countries, WGS84)
    hits = countries.iloc[countries.sindex.query(line, predicate="intersects")]
    pieces = []
    for _, c in hits.iterrows():
        inside = line.intersection(c.geometry)
        if inside.is_empty or inside.length == 0:
            continue
        first = min(line.project(shapely.Point(p)) for p in shapely.get_coordinates(inside))
        pieces.append({"iso3": c["iso3"], "name_zh": c["name_zh"], "name_en": c["name_en"],
                       "km": round(geodesic_length_km(inside), 1), "_at": first})
    pieces.sort(key=lambda p: p["_at"])
    return [{k: v for k, v in p.items() if k != "_at"} for p in pieces]


def _number(value) -> float | None:
    """A float, or None for missing/NaN."""
    return None if value is None or pd.isna(value) else float(value)


def _leg_km(row: pd.Series) -> dict[str, float]:
    """Drawn km per mode of a corridor row (the whole length as its mode when the row has no split)."""
    legs = {m: float(row.get(f"{m}_km") or 0.0) for m in ("rail", "sea", "road")}
    legs = {m: km for m, km in legs.items() if km > 0}
    mode = row["mode"] if row["mode"] in ("rail", "sea", "road") else "rail"
    return legs or {mode: float(row["length_km"])}


def corridor_metrics(row: pd.Series, countries: gpd.GeoDataFrame, speed_kmh: float | None = None) -> dict:
    """Lengths (drawn vs published), countries in order, and journey time = moving + documented dwell."""
    speeds = speeds_for(speed_kmh)
    line = row.geometry
    crossed = countries_crossed(line, countries)
    exit_cn = next((f"{a['name_en']} → {b['name_en']}" for a, b in zip(crossed, crossed[1:], strict=False) if a["iso3"] == "CHN"), None)
    published, length = _number(row.get("published_length_km")), float(row["length_km"])
    stops = json.loads(row.get("dwell_json") or "[]")
    estimate = transit_estimate(_leg_km(row), stops, speeds, published)
    return {"id": row["feature_id"], "name_zh": row["name_zh"], "name_en": row["name_en"], "mode": row["mode"],
            "length_km": length, "published_length_km": published,
            "published_length_source": row.get("published_length_source"),
            "difference_km": None if published is None else round(length - published, 1),
            "difference_pct": None if published is None else round((length - published) / published * 100, 2),
            "countries": crossed, "border_crossing": row.get("border_crossing") or exit_cn,
            "leaves_china": exit_cn, "speed_kmh": speeds["rail"], **estimate, "dwell_stops": stops,
            **compare_days(estimate["transit_days"], _number(row.get("published_days"))),
            "published_days_source": row.get("published_days_source")}


def nearest_points_km(lon: float, lat: float, frame: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    """The k features of a point layer nearest to lon/lat, with geodesic distance_km."""
    _, _, dist = GEOD.inv(np.full(len(frame), lon), np.full(len(frame), lat), frame.geometry.x, frame.geometry.y)
    out = frame.assign(distance_km=np.round(dist / 1000.0, 3))
    return out.sort_values(["distance_km", "feature_id"]).head(k)


def points_near_line(line, frame: gpd.GeoDataFrame, within_km: float) -> gpd.GeoDataFrame:
    """Point features within `within_km` of a line, nearest first (distance measured per point in AEQD)."""
    rows = []
    for idx, pt in zip(frame.index, frame.geometry, strict=False):
        crs = _aeqd(pt.x, pt.y)
        d = gpd.GeoSeries([line], crs=WGS84).to_crs(crs).distance(shapely.Point(0, 0)).iloc[0] / 1000.0
        if d <= within_km:
            rows.append((idx, round(float(d), 3)))
    out = frame.loc[[i for i, _ in rows]].assign(distance_km=[d for _, d in rows])
    return out.sort_values(["distance_km", "feature_id"])


def elevation_profile(line, china, dem_path, step_km: float = 25.0) -> list[dict]:
    """Elevation (m) sampled from a DEM every ~step_km along the part of a line inside China, with the
    geodesic distance from the start of that part. Samples on nodata are left out."""
    import rasterio

    inside = line.intersection(china)
    parts = [p for p in shapely.get_parts(inside) if p.geom_type == "LineString" and p.length > 0]
    if not parts:
        return []
    part = max(parts, key=lambda p: p.length)  # the main run through China
    coords = shapely.get_coordinates(part)
    seg = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])[2] / 1000.0
    along = np.concatenate([[0.0], np.cumsum(seg)])
    targets = np.arange(0.0, along[-1], step_km)
    lons, lats = np.interp(targets, along, coords[:, 0]), np.interp(targets, along, coords[:, 1])
    with rasterio.open(dem_path) as src:
        values = [v[0] for v in src.sample(zip(lons, lats, strict=True))]
        nodata = src.nodata
    return [{"distance_km": round(float(d), 1), "lon": round(float(x), 5), "lat": round(float(y), 5),
             "elevation_m": round(float(v), 1)}
            for d, x, y, v in zip(targets, lons, lats, values, strict=True) if v != nodata and np.isfinite(v)]
