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

    def merged(self, other: LayerInfo) -> LayerInfo:
        """The facts of this layer's features and `other`'s together (a layer built a chunk at a time): a column
        integer in one and number in the other is a number; different geometry types make geometry-any."""
        count, geometry_bytes = self.count + other.count, self.geometry_bytes + other.geometry_bytes
        bbox = (min(self.bbox[0], other.bbox[0]), min(self.bbox[1], other.bbox[1]), max(self.bbox[2], other.bbox[2]),
                max(self.bbox[3], other.bbox[3]))
        schema = {name: _wider(kind, other.schema.get(name, kind)) for name, kind in self.schema.items()}
        form = self.geometry_format if self.geometry_format == other.geometry_format else "geometry-any"
        return LayerInfo(self.layer_id, count, bbox, schema, form, geometry_bytes,
                         count > LARGE_FEATURES or geometry_bytes > LARGE_BYTES)

    @classmethod
    def from_row(cls, row: dict) -> LayerInfo:
        return cls(str(row["layer_id"]), int(row["count"]), tuple(json.loads(row["bbox"])), json.loads(row["schema"]),
                   str(row["geometry_format"]), int(row["geometry_bytes"]), bool(row["large"]))


def _wider(kind: str, other: str) -> str:
    if kind == other:
        return kind
    return "number" if {kind, other} == {"integer", "number"} else "string"


def layer_info(layer_id: str, frame: gpd.GeoDataFrame) -> LayerInfo:
    """The facts of a built (WGS84, validated) layer."""
    wkb_bytes = int(np.sum([len(b) for b in shapely.to_wkb(frame.geometry.values)]))
    count = len(frame)
    return LayerInfo(layer_id, count, tuple(float(v) for v in frame.total_bounds), property_types(frame),
                     geometry_format(frame), wkb_bytes, count > LARGE_FEATURES or wkb_bytes > LARGE_BYTES)


def layers_table(infos: list[LayerInfo]) -> pd.DataFrame:
    return pd.DataFrame([info.row() for info in infos])
