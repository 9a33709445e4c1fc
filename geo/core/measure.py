"""Areas and lengths: planar in CGCS2000 / GK CM 120°E near Yiwu, geodesic (WGS84 ellipsoid) elsewhere."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geo.core.crs import CGCS2000_GK_CM120, WGS84, require_crs

GEOD = Geod(ellps="WGS84")
_GK_BOUNDS = CRS(CGCS2000_GK_CM120).area_of_use.bounds  # lon/lat box where EPSG:4549 is defined


def _in_gk_zone(geoms: np.ndarray) -> np.ndarray:
    west, south, east, north = _GK_BOUNDS
    b = shapely.bounds(geoms)
    return (b[:, 0] >= west) & (b[:, 2] <= east) & (b[:, 1] >= south) & (b[:, 3] <= north)


def geodesic_area_km2(geom) -> float:
    """Area on the WGS84 ellipsoid, km² (absolute: ring orientation does not matter)."""
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


def geodesic_length_km(geom) -> float:
    """Length of a (multi)line along geodesics between its vertices, km."""
    return GEOD.geometry_length(geom) / 1000.0


def area_km2(frame: gpd.GeoDataFrame) -> pd.Series:
    """Area of each polygon: EPSG:4549 planar inside its zone of use, geodesic outside it."""
    require_crs(frame, WGS84)
    geoms = frame.geometry.array
    near = _in_gk_zone(np.asarray(geoms))
    out = pd.Series(np.nan, index=frame.index, dtype=float)
    if near.any():
        out[near] = frame.geometry[near].to_crs(CGCS2000_GK_CM120).area.to_numpy() / 1e6
    for idx in frame.index[~near]:
        out[idx] = geodesic_area_km2(frame.geometry[idx])
    return out


def length_km(frame: gpd.GeoDataFrame) -> pd.Series:
    """Geodesic length of each line feature, km."""
    require_crs(frame, WGS84)
    return frame.geometry.apply(geodesic_length_km).astype(float)


def densify_geodesic(coords: list[tuple[float, float]], step_km: float = 50.0) -> list[tuple[float, float]]:
    """Insert points along the geodesic between consecutive vertices so a drawn line follows it."""
    out = [coords[0]]
    for (lon1, lat1), (lon2, lat2) in zip(coords, coords[1:], strict=False):
        _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
        n = int(dist / 1000.0 // step_km)
        if n > 0:
            out.extend(GEOD.npts(lon1, lat1, lon2, lat2, n))
        out.append((lon2, lat2))
    return out
