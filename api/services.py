"""What the blueprints share, built once by the app factory: the settings, the vector catalog and its store, the
raster store, the workspace and its accounts, and the caches (keyed by data version). `catalog` is the catalog the
current request's user may see; `full_catalog()` every layer, for code that truly needs them all."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g, has_app_context

from geo.accounts import Accounts, User
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


def current_user() -> User | None:
    """The user of the current request (api/identity.py sets it before every view); None: anonymous, or no
    request at all."""
    return g.get("user") if has_app_context() else None


@dataclass
class Services:
    settings: Settings
    static_catalog: Catalog  # the built catalog (layers/catalog)
    store: Store
    rasters: RasterStore
    workspace: Workspace
    basemap: MBTiles | None = None  # the office's own basemap (YIWU_BASEMAP), when configured
    pages: LRUCache = field(default_factory=lambda: LRUCache(PAGE_CACHE_SIZE))
    tiles: LRUCache = field(default_factory=lambda: LRUCache(TILE_CACHE_SIZE))
    stats: LRUCache = field(default_factory=lambda: LRUCache(STATS_CACHE_SIZE))
    accounts: Accounts = field(init=False)

    def __post_init__(self) -> None:
        self.accounts = Accounts(self.workspace)

    def full_catalog(self) -> Catalog:
        """Every layer, whoever asks: the one place the visible catalogs start from."""
        return self.static_catalog

    @property
    def catalog(self) -> Catalog:
        """The layers the current request's user may see (internal ones only when signed in): every view reads
        layers through this, so a hidden layer answers 404 as one that does not exist."""
        return self.full_catalog().visible_to(current_user())

    def data_version(self) -> int:
        """The version of the vector data every cache key carries (the GeoPackage's stamp)."""
        return self.store.data_version()


def services() -> Services:
    return current_app.extensions["yiwu"]
