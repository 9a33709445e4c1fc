"""Checks every built frame passes before it is written."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import WGS84, require_crs
from geo.errors import InvalidGeometryError

GEOMETRY_TYPES = {
    "polygon": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point", "MultiPoint"},
}
REQUIRED_COLUMNS = ("feature_id", "name_zh", "name_en", "source", "accuracy", "plan_ref")


def validate_frame(frame: gpd.GeoDataFrame, layer_id: str, geometry: str) -> None:
    """Raise InvalidGeometryError naming the layer and feature of the first problem found."""
    require_crs(frame, WGS84)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidGeometryError(f"{layer_id}: missing columns {missing}")
    if frame.empty:
        raise InvalidGeometryError(f"{layer_id}: no features")
    if frame["feature_id"].duplicated().any():
        dups = sorted(frame.loc[frame["feature_id"].duplicated(), "feature_id"].unique())
        raise InvalidGeometryError(f"{layer_id}: duplicate feature ids {dups}")
    for fid, geom in zip(frame["feature_id"], frame.geometry, strict=False):
        _validate_geometry(layer_id, fid, geom, GEOMETRY_TYPES[geometry])


def _validate_geometry(layer_id: str, fid: str, geom, allowed: set[str]) -> None:
    where = f"{layer_id}/{fid}"
    if geom is None or geom.is_empty:
        raise InvalidGeometryError(f"{where}: empty geometry")
    if geom.geom_type not in allowed:
        raise InvalidGeometryError(f"{where}: {geom.geom_type} where {sorted(allowed)} expected")
    if not geom.is_valid:
        raise InvalidGeometryError(f"{where}: invalid geometry ({shapely.is_valid_reason(geom)})")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise InvalidGeometryError(f"{where}: non-finite coordinates")
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise InvalidGeometryError(f"{where}: coordinates outside lon [-180, 180] / lat [-90, 90]")
