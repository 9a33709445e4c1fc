"""The built layers and the workspace's imported ones behind one store: each call goes to the store holding the
layer; the data version covers both, so an import or an edit changes every cache key at once."""

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd

from geo.errors import NotFoundError
from geo.layerinfo import LayerInfo
from geo.store import ItemsQuery, QueryResult, Store
from geo.tiles import TileAddress

LOGGER = logging.getLogger(__name__)


class LayeredStore:
    """`built` answers the catalog's layers, `workspace` the imported ones (their ids set by the catalog)."""

    def __init__(self, built: Store, workspace: Store):
        self.built, self.workspace = built, workspace
        self.refresh = lambda: None  # asked to bring the imported ids up to date before an id is called unknown

    @property
    def layer_ids(self) -> list[str]:
        return [*self.built.layer_ids, *self.workspace.layer_ids]

    def set_imported(self, layer_ids: list[str]) -> None:
        """The imported layers now (a change makes the workspace store read its facts again)."""
        if list(layer_ids) != self.workspace.layer_ids:
            self.workspace.layer_ids = list(layer_ids)
            self.workspace.invalidate()

    def of(self, layer_id: str) -> Store:
        if layer_id in self.built.layer_ids:
            return self.built
        if layer_id not in self.workspace.layer_ids:
            self.refresh()
        if layer_id in self.workspace.layer_ids:
            return self.workspace
        raise NotFoundError(f"collection '{layer_id}' does not exist")

    def data_version(self) -> str:
        return f"{self.built.data_version()}|{self.workspace.data_version()}"

    def plan_figures(self) -> pd.DataFrame:
        return self.built.plan_figures()

    def build_info(self) -> dict:
        return self.built.build_info()

    def info(self, layer_id: str) -> LayerInfo:
        return self.of(layer_id).info(layer_id)

    def uses_sql(self, layer_id: str) -> bool:
        return self.of(layer_id).uses_sql(layer_id)

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        return self.of(layer_id).frame(layer_id)

    def geojson_of(self, layer_id: str) -> dict[str, bytes] | None:
        return self.of(layer_id).geojson_of(layer_id)

    def schema(self, layer_id: str) -> dict[str, str]:
        return self.of(layer_id).schema(layer_id)

    def geometry_format(self, layer_id: str) -> str:
        return self.of(layer_id).geometry_format(layer_id)

    def geometry_name(self, layer_id: str) -> str:
        return self.of(layer_id).geometry_name(layer_id)

    def count(self, layer_id: str) -> int:
        return self.of(layer_id).count(layer_id)

    def bbox(self, layer_id: str) -> tuple[float, float, float, float]:
        return self.of(layer_id).bbox(layer_id)

    def query(self, layer_id: str, query: ItemsQuery) -> QueryResult:
        return self.of(layer_id).query(layer_id, query)

    def within(self, layer_id: str, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
        return self.of(layer_id).within(layer_id, bbox)

    def feature(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        return self.of(layer_id).feature(layer_id, feature_id)

    def first_id(self, layer_id: str) -> str | None:
        return self.of(layer_id).first_id(layer_id)

    def tile(self, layer_id: str, address: TileAddress, fields: tuple[str, ...]) -> bytes:
        return self.of(layer_id).tile(layer_id, address, fields)
