"""GeoDataFrame → GeoJSON dicts (RFC 7946: lon/lat, WGS84), with JSON-safe property values."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely


def json_value(value: Any) -> Any:
    """Plain Python values; NaN/NaT/None become None."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def feature_dict(row: dict, geometry) -> dict:
    props = {k: json_value(v) for k, v in row.items() if k not in ("feature_id", "geometry")}
    return {"type": "Feature", "id": row["feature_id"], "geometry": shapely.geometry.mapping(geometry),
            "properties": props}


def feature_collection(frame: gpd.GeoDataFrame) -> dict:
    """A FeatureCollection dict of every row of the frame."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[columns].to_dict(orient="records")
    features = [feature_dict(rec, geom) for rec, geom in zip(records, frame.geometry, strict=False)]
    return {"type": "FeatureCollection", "features": features}
