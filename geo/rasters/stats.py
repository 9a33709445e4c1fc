"""Zonal statistics of a single-band raster over WGS84 polygons (cells whose centre lies inside count), and
the GeoJSON zones they are asked for, checked. Pure functions: paths and geometries in, dicts out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import rasterio
import shapely
from pyproj import CRS, Geod, Transformer
from rasterio.features import geometry_mask
from rasterio.warp import transform_bounds

from geo.core.errors import InvalidGeometryError
from geo.core.geojson import parse_features, require_polygonal

GEOD = Geod(ellps="WGS84")
DEFAULT_PERCENTILES = (2.0, 25.0, 50.0, 75.0, 98.0)


@dataclass(frozen=True)
class Band:
    """Band 1 of a raster file in memory: values, validity mask and georeference."""

    values: np.ndarray
    valid: np.ndarray
    transform: rasterio.Affine
    crs: CRS

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape


@dataclass(frozen=True)
class Zone:
    """One polygonal zone in WGS84 lon/lat, with the id and properties it came with."""

    id: str | int | None
    properties: dict
    geometry: shapely.Geometry


def read_band(path) -> Band:
    """Band 1 of a raster with its nodata mask."""
    with rasterio.open(path) as src:
        data = src.read(1, masked=True)
        return Band(data.data, ~np.ma.getmaskarray(data), src.transform, CRS.from_user_input(src.crs))


def zones_from_geojson(doc: object) -> list[Zone]:
    """Zones from a GeoJSON geometry, Feature or FeatureCollection (WGS84 lon/lat): polygons, valid, within limits."""
    features = parse_features(doc)
    require_polygonal(features)
    for i, feature in enumerate(features):
        if not feature.geometry.is_valid:
            raise InvalidGeometryError(f"feature {i}: invalid geometry: {shapely.is_valid_reason(feature.geometry)}")
    return [Zone(f.id, f.properties, f.geometry) for f in features]


def wgs84_bounds(band: Band) -> tuple[float, float, float, float]:
    """The raster's extent in WGS84 lon/lat (densified edges)."""
    height, width = band.shape
    left, top = band.transform @ (0, 0)
    right, bottom = band.transform @ (width, height)
    return transform_bounds(band.crs, "EPSG:4326", min(left, right), min(top, bottom), max(left, right),
                            max(top, bottom), densify_pts=21)


@lru_cache(maxsize=16)
def _to_raster(crs_wkt: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", CRS.from_wkt(crs_wkt), always_xy=True)


def zone_mask(band: Band, geometries: Iterable[shapely.Geometry],
              bounds: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """True for cells whose centre lies inside any of the WGS84 geometries (before the nodata mask). Geometries are
    first clipped to the raster's WGS84 `bounds` (computed when not given), so far-away parts cost nothing."""
    west, south, east, north = bounds or wgs84_bounds(band)
    margin = 0.01 * max(east - west, north - south)  # keep cells at the edge; drop what lies far outside
    box = (west - margin, south - margin, east + margin, north + margin)
    clipped = [shapely.clip_by_rect(g, *box) for g in geometries if shapely.intersects(shapely.box(*box), g)]
    to_raster = _to_raster(band.crs.to_wkt())
    shapes = [shapely.transform(g, lambda xy: np.column_stack(to_raster.transform(xy[:, 0], xy[:, 1])))
              for g in clipped if not g.is_empty]
    shapes = [g for g in shapes if not g.is_empty]
    if not shapes:
        return np.zeros(band.shape, dtype=bool)
    return geometry_mask(shapes, out_shape=band.shape, transform=band.transform, invert=True)


def cell_areas_km2(band: Band) -> np.ndarray:
    """Area of one cell in each row, km²: planar for projected CRS, on the ellipsoid for geographic ones."""
    t = band.transform
    rows = band.shape[0]
    if not band.crs.is_geographic:
        factor = band.crs.axis_info[0].unit_conversion_factor
        return np.full(rows, abs(t.a * t.e) * factor * factor / 1e6)
    out = np.empty(rows)
    for row in range(rows):
        top, bottom, left, right = t.f + t.e * row, t.f + t.e * (row + 1), t.c, t.c + t.a
        area, _ = GEOD.polygon_area_perimeter([left, right, right, left], [top, top, bottom, bottom])
        out[row] = abs(area) / 1e6
    return out


def summary(values: np.ndarray, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> dict:
    """count, min, max, mean, std (population), sum and percentiles (linear interpolation) of the values."""
    if values.size == 0:
        return {"count": 0, "min": None, "max": None, "mean": None, "std": None, "sum": None,
                "percentiles": {_pkey(p): None for p in percentiles}}
    v = values.astype("float64")
    qs = np.percentile(v, list(percentiles)) if percentiles else []
    return {"count": int(v.size), "min": float(v.min()), "max": float(v.max()), "mean": float(v.mean()),
            "std": float(v.std()), "sum": float(v.sum()),
            "percentiles": {_pkey(p): float(q) for p, q in zip(percentiles, qs, strict=True)}}


def _pkey(p: float) -> str:
    return f"p{int(p)}" if float(p).is_integer() else f"p{p:g}"


def class_areas(band: Band, inside: np.ndarray, codes: Sequence[int]) -> dict[str, dict]:
    """Cell count and area (km²) of each class code among the selected cells."""
    row_area = cell_areas_km2(band)
    out = {}
    for code in codes:
        hit = inside & (band.values == code)
        out[str(code)] = {"count": int(hit.sum()), "area_km2": round(float((hit.sum(axis=1) * row_area).sum()), 4)}
    return out


def statistics(band: Band, inside: np.ndarray | None = None, class_codes: Sequence[int] = (),
               percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> dict:
    """Statistics of the valid cells (inside the mask, when one is given); class areas for class rasters."""
    selected = band.valid if inside is None else band.valid & inside
    out = summary(band.values[selected], percentiles)
    if class_codes:
        out["classes"] = class_areas(band, selected, class_codes)
    out["area_km2"] = round(float((selected.sum(axis=1) * cell_areas_km2(band)).sum()), 4)
    return out


def zonal_statistics(band: Band, zones: Sequence[Zone], class_codes: Sequence[int] = (),
                     percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> list[dict]:
    """Statistics for each zone: its id, properties and the statistics of the cells whose centre it contains."""
    bounds = wgs84_bounds(band)
    return [{"id": z.id, "properties": z.properties,
             "statistics": statistics(band, zone_mask(band, [z.geometry], bounds), class_codes, percentiles)}
            for z in zones]
