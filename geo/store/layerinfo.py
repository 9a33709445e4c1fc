"""Per-layer facts computed once by the build and stored in the GeoPackage (table `_layers`), so no request ever
scans a layer to learn its extent, size or schema; and the names of the build's other tables."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.query.filters import geometry_format, property_types

LAYERS_TABLE = "_layers"
FIGURES_TABLE = "_plan_figures"
META_TABLE = "_build_meta"
LARGE_FEATURES = 10_000  # beyond this many features a layer is queried in the GeoPackage and drawn from tiles
LARGE_BYTES = 50_000_000  # or beyond this much geometry (WKB bytes)


@dataclass(frozen=True)
class LayerInfo:
    layer_id: str
    count: int
    bbox: tuple[float, float, float, float]  # CRS84
    schema: dict[str, str]  # property -> JSON Schema type (not feature_id, not the geometry)
    geometry_format: str  # OGC queryables format (geometry-polygon, …)
    geometry_bytes: int  # WKB size of every geometry together
    large: bool

    def row(self) -> dict:
        out = asdict(self)
        out.update(bbox=json.dumps(self.bbox), schema=json.dumps(self.schema, ensure_ascii=False), large=int(self.large))
        return out

    @classmethod
    def from_row(cls, row: dict) -> LayerInfo:
        return cls(str(row["layer_id"]), int(row["count"]), tuple(json.loads(row["bbox"])), json.loads(row["schema"]),
                   str(row["geometry_format"]), int(row["geometry_bytes"]), bool(row["large"]))


def layer_info(layer_id: str, frame: gpd.GeoDataFrame) -> LayerInfo:
    """The facts of a built (WGS84, validated) layer."""
    wkb_bytes = int(np.sum([len(b) for b in shapely.to_wkb(frame.geometry.values)]))
    count = len(frame)
    return LayerInfo(layer_id, count, tuple(float(v) for v in frame.total_bounds), property_types(frame),
                     geometry_format(frame), wkb_bytes, count > LARGE_FEATURES or wkb_bytes > LARGE_BYTES)


def layers_table(infos: list[LayerInfo]) -> pd.DataFrame:
    return pd.DataFrame([info.row() for info in infos])
