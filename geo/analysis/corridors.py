"""Analysis for logistics teams: corridor metrics, elevation profiles, nearest warehouses (site checks are
geo/analysis/site.py, venue summaries geo/analysis/parks.py). Distances are geodesic: geometries are projected to an azimuthal equidistant
projection centred on the query, where distances from the centre are true ellipsoidal distances."""

from __future__ import annotations

import json
import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geo.analysis.transit import compare_days, speeds_for, transit_estimate
from geo.core.crs import WGS84, require_crs
from geo.core.measure import geodesic_length_km

LOGGER = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")


def _aeqd(lon: float, lat: float) -> CRS:
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m +no_defs")


def _frame_of(geom) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[geom], crs=WGS84)


def distances_km(site, frame: gpd.GeoDataFrame) -> np.ndarray:
    """Geodesic distance from the site (nearest point) to each feature of the frame, km."""
    centre = site.centroid
    crs = _aeqd(centre.x, centre.y)
    site_p = _frame_of(site).to_crs(crs).geometry[0]
    return frame.to_crs(crs).distance(site_p).to_numpy() / 1000.0


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
            "published_length_source": _text(row.get("published_length_source")),
            "difference_km": None if published is None else round(length - published, 1),
            "difference_pct": None if published is None else round((length - published) / published * 100, 2),
            "countries": crossed, "border_crossing": _text(row.get("border_crossing")) or exit_cn,
            "leaves_china": exit_cn, "speed_kmh": speeds["rail"], **estimate, "dwell_stops": stops,
            **compare_days(estimate["transit_days"], _number(row.get("published_days"))),
            "published_days_source": _text(row.get("published_days_source"))}


def _text(value) -> str | None:
    """A text attribute, None where the layer has none (pandas gives NaN for a missing value)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


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
