"""What the blueprints share, built once by the app factory: the settings, the vector catalog and its store, the
raster store, and the caches (keyed by data version)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from geo.cache import LRUCache
from geo.mbtiles import MBTiles
from geo.raster_store import RasterStore
from geo.settings import Settings
from geo.store import Store
from geo.workspace import Workspace
from layers import Catalog

PAGE_CACHE_SIZE = 32
TILE_CACHE_SIZE = 512
STATS_CACHE_SIZE = 64


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    store: Store
    rasters: RasterStore
    workspace: Workspace
    basemap: MBTiles | None = None  # the office's own basemap (YIWU_BASEMAP), when configured
    pages: LRUCache = field(default_factory=lambda: LRUCache(PAGE_CACHE_SIZE))
    tiles: LRUCache = field(default_factory=lambda: LRUCache(TILE_CACHE_SIZE))
    stats: LRUCache = field(default_factory=lambda: LRUCache(STATS_CACHE_SIZE))

    def data_version(self) -> int:
        """The version of the vector data every cache key carries (the GeoPackage's stamp)."""
        return self.store.data_version()


def services() -> Services:
    return current_app.extensions["yiwu"]
