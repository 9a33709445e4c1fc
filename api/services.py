"""What the blueprints share, built once by the app factory: the settings, the vector catalog and its store, the
raster store, the workspace and its accounts, and the caches (keyed by data version). `catalog` is the catalog the
current request's user may see; `full_catalog()` every layer, for code that truly needs them all."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from flask import current_app, g, has_app_context, has_request_context

from geo.accounts import Accounts, User
from geo.cache import LRUCache
from geo.layered_store import LayeredStore
from geo.mbtiles import MBTiles
from geo.raster_store import RasterStore
from geo.settings import Settings
from geo.workspace import Workspace
from geo.workspace_layers import entry_layer, imported_entries
from layers import Catalog, CatalogError

LOGGER = logging.getLogger(__name__)

PAGE_CACHE_SIZE = 32
TILE_CACHE_SIZE = 512
STATS_CACHE_SIZE = 64


def current_user() -> User | None:
    """The user of the current request (api/identity.py sets it before every view); None: anonymous, or no
    request at all."""
    return g.get("user") if has_app_context() else None


@dataclass
class Services:
    settings: Settings
    built_catalog: Catalog  # layers/catalog/*.yaml: what the build made
    store: LayeredStore
    rasters: RasterStore
    workspace: Workspace  # imported layers, edits, accounts, audit
    basemap: MBTiles | None = None  # the office's own basemap (YIWU_BASEMAP), when configured
    pages: LRUCache = field(default_factory=lambda: LRUCache(PAGE_CACHE_SIZE))
    tiles: LRUCache = field(default_factory=lambda: LRUCache(TILE_CACHE_SIZE))
    stats: LRUCache = field(default_factory=lambda: LRUCache(STATS_CACHE_SIZE))
    accounts: Accounts = field(init=False)  # the workspace's users (geo/accounts.py)
    started: float = field(default_factory=time.monotonic)  # when the app was made (uptime of /healthz)

    _merged: tuple = (None, None)  # (workspace version, the built and imported layers' Catalog)

    def __post_init__(self) -> None:
        self.store.refresh = self.full_catalog
        self.accounts = Accounts(self.workspace)

    def data_version(self) -> str:
        """The version of the vector data every cache key carries (the build's and the workspace's stamps)."""
        return self.store.data_version()

    def full_catalog(self) -> Catalog:
        """The built layers and the imported ones; the workspace is asked once per request whether it changed."""
        if has_request_context() and "yiwu_catalog" in g:
            return g.yiwu_catalog
        version = self.workspace.version()
        if self._merged[0] != version:
            self._merged = (version, self._merge())
            self.store.set_imported([lid for lid in self._merged[1] if lid not in self.built_catalog])
        if has_request_context():
            g.yiwu_catalog = self._merged[1]
        return self._merged[1]

    def _merge(self) -> Catalog:
        layers = dict(self.built_catalog)
        for entry in imported_entries(self.workspace):
            try:
                layer = entry_layer(entry)
            except CatalogError as exc:  # validated at import; a later model change must not stop the service
                LOGGER.error("imported layer skipped: %s", exc)
                continue
            if layer.id not in layers:
                layers[layer.id] = layer
        return Catalog(dict(sorted(layers.items(), key=lambda kv: (kv[1].order, kv[0]))))

    @property
    def catalog(self) -> Catalog:
        """The layers the current request's user may see (internal ones only when signed in): every view reads
        layers through this, so a hidden layer answers 404 as one that does not exist. `full_catalog()` is every
        layer, whoever asks, for the code that truly needs them all."""
        return self.full_catalog().visible_to(current_user())


def services() -> Services:
    return current_app.extensions["yiwu"]
