"""The one place that reads features: layers from the built GeoPackage, held in memory with an STR-tree
index, queried by bbox with stable paging. Returns GeoDataFrames; knows nothing of HTTP."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pygeofilter import ast

from geo.build import FIGURES_TABLE, META_TABLE
from geo.cql2 import filter_mask
from geo.crs import WGS84
from geo.errors import NotFoundError
from geo.filters import SortKey, equality_mask, geometry_format, property_types, sort_frame

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemsQuery:
    """What to select from a layer: optional CRS84 bbox (minx, miny, maxx, maxy), property equalities,
    a CQL2 filter (pygeofilter AST), sort keys, the properties to return and a page (limit None: all)."""

    bbox: tuple[float, float, float, float] | None = None
    limit: int | None = 10
    offset: int = 0
    equals: tuple[tuple[str, str], ...] = ()
    filter: ast.Node | None = None
    sortby: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QueryResult:
    features: gpd.GeoDataFrame
    number_matched: int


class FeatureStore:
    """Read-only access to the layers of one GeoPackage; reloads when the file is replaced."""

    def __init__(self, gpkg_path: Path, layer_ids: list[str]):
        self.path = Path(gpkg_path)
        self.layer_ids = list(layer_ids)
        self._lock = threading.Lock()
        self._frames: dict[str, gpd.GeoDataFrame] = {}
        self._stamp: float | None = None

    def data_version(self) -> int:
        """The stamp of the GeoPackage (file modification time, ns): changes with every build."""
        return self.path.stat().st_mtime_ns

    def _check_fresh(self) -> None:
        stamp = self.data_version()
        if stamp != self._stamp:
            self._frames.clear()
            self._stamp = stamp

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole layer in stable order (by feature_id); raises NotFoundError for an unknown id."""
        if layer_id not in self.layer_ids:
            raise NotFoundError(f"collection '{layer_id}' does not exist")
        with self._lock:
            self._check_fresh()
            if layer_id not in self._frames:
                frame = pyogrio.read_dataframe(self.path, layer=layer_id)
                frame = frame.set_crs(WGS84, allow_override=True).sort_values("feature_id", ignore_index=True)
                _ = frame.sindex  # build the STR-tree once, while holding the lock
                self._frames[layer_id] = frame
            return self._frames[layer_id]

    def schema(self, layer_id: str) -> dict[str, str]:
        """JSON Schema type of every attribute (not the id, not the geometry)."""
        return property_types(self.frame(layer_id))

    def geometry_name(self, layer_id: str) -> str:
        return self.frame(layer_id).geometry.name

    def geometry_format(self, layer_id: str) -> str:
        return geometry_format(self.frame(layer_id))

    def first_id(self, layer_id: str) -> str | None:
        """The first feature id of a layer in stable order (None when it is empty)."""
        frame = self.frame(layer_id)
        return None if frame.empty else str(frame["feature_id"].iloc[0])

    def count(self, layer_id: str) -> int:
        return len(self.frame(layer_id))

    def bbox(self, layer_id: str) -> tuple[float, float, float, float]:
        return tuple(float(v) for v in self.frame(layer_id).total_bounds)

    def query(self, layer_id: str, query: ItemsQuery) -> QueryResult:
        """Features intersecting the bbox (via the spatial index), then the attribute filters, the sort
        order (ties by feature id) and the requested page."""
        frame = self.frame(layer_id)
        if query.bbox is not None:
            hits = frame.sindex.query(shapely.box(*query.bbox), predicate="intersects")
            frame = frame.iloc[np.sort(hits)]
        schema = self.schema(layer_id) if query.equals else {}
        for name, raw in query.equals:
            frame = frame[equality_mask(frame, name, raw, schema)]
        if query.filter is not None and len(frame):
            frame = frame[filter_mask(frame, query.filter)]
        frame = sort_frame(frame, query.sortby)
        end = None if query.limit is None else query.offset + query.limit
        page = frame.iloc[query.offset: end]
        if query.properties is not None:
            page = page[["feature_id", *query.properties, page.geometry.name]]
        return QueryResult(page, len(frame))

    def feature(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        frame = self.frame(layer_id)
        match = frame[frame["feature_id"] == feature_id]
        if match.empty:
            raise NotFoundError(f"feature '{feature_id}' does not exist in collection '{layer_id}'")
        return match

    def plan_figures(self) -> pd.DataFrame:
        return pyogrio.read_dataframe(self.path, layer=FIGURES_TABLE, read_geometry=False)

    def build_info(self) -> dict:
        meta = pyogrio.read_dataframe(self.path, layer=META_TABLE, read_geometry=False)
        return meta.iloc[0].to_dict()
