"""GeoDataFrame → GeoJSON (RFC 7946: lon/lat, WGS84) with JSON-safe property values. Features are written as bytes
without a Python object per coordinate: geometries by shapely's vectorised `to_geojson` (GEOS writes every digit,
so coordinates round-trip exactly), properties by orjson."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def json_value(value: Any) -> Any:
    """Plain Python values; NaN/NaT/NA/None become None."""
    if value is None or value is pd.NA or value is pd.NaT:
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


def _default(value: Any) -> Any:
    """What orjson cannot write itself (pandas' NA, numpy scalars it does not take)."""
    converted = json_value(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=OPTIONS)


def geometry_json(geoms) -> list[bytes]:
    """GeoJSON of each geometry (b"null" for a missing one), in one vectorised call."""
    return [g.encode() if g else b"null" for g in shapely.to_geojson(geoms)]


def features_json(frame: gpd.GeoDataFrame, written: dict[str, bytes] | None = None) -> bytes:
    """The rows of a frame (with a `feature_id` column) as a JSON array of GeoJSON Features; `written`: geometries
    already written as GeoJSON, by feature id (the store keeps them for small layers)."""
    geom_name = frame.geometry.name
    columns = [c for c in frame.columns if c not in (geom_name, "feature_id")]
    records = frame[columns].to_dict(orient="records")
    ids = frame["feature_id"].tolist()
    geoms = [written[i] for i in ids] if written is not None else geometry_json(frame.geometry.values)
    parts = [b'{"type":"Feature","id":' + dumps(fid) + b',"geometry":' + g + b',"properties":' + dumps(rec) + b"}"
             for fid, g, rec in zip(ids, geoms, records, strict=True)]
    return b"[" + b",".join(parts) + b"]"


def feature_collection_json(frame: gpd.GeoDataFrame, members: dict | None = None,
                            written: dict[str, bytes] | None = None) -> bytes:
    """A FeatureCollection of the frame's rows as bytes, with the other members (links, numberMatched…) first."""
    head = dumps({"type": "FeatureCollection", **(members or {})})
    return head[:-1] + b',"features":' + features_json(frame, written) + b"}"


def feature_collection(frame: gpd.GeoDataFrame) -> dict:
    """A FeatureCollection dict of every row of the frame (for pages that embed it)."""
    return orjson.loads(feature_collection_json(frame))


def feature_dict(row: dict, geometry) -> dict:
    props = {k: json_value(v) for k, v in row.items() if k not in ("feature_id", "geometry")}
    return {"type": "Feature", "id": row["feature_id"], "geometry": shapely.geometry.mapping(geometry),
            "properties": props}
