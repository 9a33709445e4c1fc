"""Where a site is and how large, as the printed site report states it: the centroid and bounding box in WGS84
lon/lat, the area by the report's method (EPSG:4549 planar, as SiteReport.area_method says) beside the geodesic
area on the WGS84 ellipsoid (pyproj.Geod) and the area on a sphere of radius 6,378,137 m — what the map's drawing
tool computes — so a reader sees why the figure shown while drawing differs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import shapely

from geo.core.crs import CGCS2000_GK_CM120, WGS84
from geo.core.measure import geodesic_area_km2

SPHERE_RADIUS_M = 6378137.0  # the drawing tool's sphere (webmap/static/js/tools/draw.js)


@dataclass(frozen=True)
class SitePosition:
    centroid: tuple[float, float]  # lon, lat (WGS84), of the EPSG:4549 centroid
    bbox: tuple[float, float, float, float]  # west, south, east, north (WGS84)
    planar_km2: float  # EPSG:4549, the report's method
    geodesic_km2: float  # WGS84 ellipsoid, pyproj.Geod
    sphere_km2: float  # sphere of radius SPHERE_RADIUS_M, as the map's drawing tool measures

    def difference_pct(self, other_km2: float) -> float | None:
        """How much another area differs from the planar one, % (None without area)."""
        return None if not self.planar_km2 else (other_km2 - self.planar_km2) / self.planar_km2 * 100


def _ring_sphere_m2(coords) -> float:
    """The drawing tool's formula (spherical excess by the trapezoid rule on sin(lat)), one ring, m²."""
    d2r = math.pi / 180
    total = 0.0
    n = len(coords)
    for i in range(n):
        lon1, lat1 = coords[i][:2]
        lon2, lat2 = coords[(i + 1) % n][:2]
        total += (lon2 - lon1) * d2r * (2 + math.sin(lat1 * d2r) + math.sin(lat2 * d2r))
    return abs(total * SPHERE_RADIUS_M * SPHERE_RADIUS_M / 2)


def sphere_area_km2(geom) -> float:
    """Area on the drawing tool's sphere: each polygon's exterior less its holes, km²."""
    total = 0.0
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        total += _ring_sphere_m2(list(poly.exterior.coords)[:-1])
        total -= sum(_ring_sphere_m2(list(r.coords)[:-1]) for r in poly.interiors)
    return total / 1e6


def site_position(geom) -> SitePosition:
    """The position and areas of a WGS84 site geometry (areas 0 for points and lines)."""
    projected = gpd.GeoSeries([geom], crs=WGS84).to_crs(CGCS2000_GK_CM120)
    centroid = projected.centroid.to_crs(WGS84).iloc[0]
    polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
    planar = float(projected.area.iloc[0]) / 1e6 if polygonal else 0.0
    return SitePosition((centroid.x, centroid.y), tuple(float(v) for v in geom.bounds), planar,
                        geodesic_area_km2(geom) if polygonal else 0.0, sphere_area_km2(geom) if polygonal else 0.0)
