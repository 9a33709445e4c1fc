"""What the blueprints share, built once by the app factory: the settings, the vector catalog and the engine, the
raster store, the accounts, and the caches (keyed by data version); and the snapshot a request reads through.

A request sees one snapshot (as flaskr's `g.db`): the engine's data version read once — the build's and the
workspace's together — and the catalog of that version (the built layers and the imported ones). Every later read
of the request answers from it. `catalog` is the snapshot's catalog as the current user may see it; `full_catalog()`
every layer, for code that truly needs them all. A request that writes takes a new snapshot after its write
(`written()`), so that it answers with what it wrote."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from flask import current_app, g, has_app_context, has_request_context, request

from geo.core.cache import DirectoryCache, LRUCache
from geo.core.errors import DatabaseUnavailableError
from geo.core.settings import Settings
from geo.rasters.store import RasterStore
from geo.store.base import Engine
from geo.tiles.mbtiles import MBTiles
from geo.workspace.accounts import Accounts, User
from geo.workspace.jobs import JobRunner
from geo.workspace.layers import entry_layer, imported_entries
from geo.workspace.styles import with_stored_styles
from layers import Catalog, CatalogError
from layers.rules import Rule

LOGGER = logging.getLogger(__name__)

PAGE_CACHE_SIZE = 32
TILE_CACHE_SIZE = 512
STATS_CACHE_SIZE = 64
WRITTEN_WAIT_SECONDS = 30  # how long the answer to a committed write waits for the database to answer again
SNAPSHOT = "yiwu_snapshot"  # where a request keeps its snapshot (flask.g)


def current_user() -> User | None:
    """The user of the current request (api/core/identity.py sets it before every view); None: anonymous, or no
    request at all."""
    return g.get("user") if has_app_context() else None


@dataclass(frozen=True)
class Snapshot:
    """What one request reads: the data version and the catalog of that version."""

    version: str
    catalog: Catalog  # every layer, built and imported


@dataclass
class Services:
    settings: Settings
    built_catalog: Catalog  # layers/catalog/*.yaml: what the build made
    engine: Engine  # the one backend, chosen once from the settings (geo/store/__init__.py)
    rasters: RasterStore
    basemap: MBTiles | None = None  # the office's own basemap (YIWU_BASEMAP), when configured
    rules: tuple[Rule, ...] = ()  # the review rules (layers/rules.yaml, YIWU_RULES_PATH), validated at start
    jobs: JobRunner = field(default_factory=JobRunner)  # OGC API – Processes jobs of this process (a thread)
    pages: LRUCache = field(default_factory=lambda: LRUCache(PAGE_CACHE_SIZE))
    tiles: LRUCache | DirectoryCache = field(default_factory=lambda: LRUCache(TILE_CACHE_SIZE))
    stats: LRUCache | DirectoryCache = field(default_factory=lambda: LRUCache(STATS_CACHE_SIZE))
    accounts: Accounts = field(init=False)  # the workspace's users (geo/workspace/accounts.py)
    started: float = field(default_factory=time.monotonic)  # when the app was made (uptime of /healthz)

    _merged: tuple = (None, None)  # (workspace version, the built and imported layers' Catalog)

    def __post_init__(self) -> None:
        self.accounts = Accounts(self.engine)
        if self.settings.cache_dir:  # issue 26: tiles and statistics shared by every worker and host
            bound = int(self.settings.cache_max_mb * 2**20)
            self.tiles = DirectoryCache(self.settings.cache_dir, "tiles", bound, TILE_CACHE_SIZE)
            self.stats = DirectoryCache(self.settings.cache_dir, "stats", bound, STATS_CACHE_SIZE)

    def snapshot(self) -> Snapshot:
        """The request's snapshot, taken at its first read (outside a request: a fresh one each call)."""
        if has_request_context() and SNAPSHOT in g:
            return g.get(SNAPSHOT)
        version = self.engine.snapshot()
        found = Snapshot(str(version), self._catalog_of(version.workspace))
        if has_request_context():
            setattr(g, SNAPSHOT, found)
        return found

    def written(self) -> None:
        """The request has written: what it reads from now on is read at a new snapshot (its own write included).
        The write is committed, so its answer must say so: a database that broke off just after it (a restart) is
        waited for, up to WRITTEN_WAIT_SECONDS."""
        if has_request_context():
            g.pop(SNAPSHOT, None)
        deadline = time.monotonic() + WRITTEN_WAIT_SECONDS
        while True:
            try:
                self.snapshot()
                return
            except DatabaseUnavailableError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _catalog_of(self, workspace_version: str) -> Catalog:
        """The built and imported layers at a workspace version (the imported entries read when it changed)."""
        if self._merged[0] != workspace_version:
            merged = self._merge()
            self.engine.set_imported([lid for lid in merged if lid not in self.built_catalog])
            self._merged = (workspace_version, merged)
        return self._merged[1]

    def _merge(self) -> Catalog:
        layers = dict(self.built_catalog)
        for entry in imported_entries(self.engine):
            try:
                layer = entry_layer(entry)
            except CatalogError as exc:  # validated at import; a later model change must not stop the service
                LOGGER.error("imported layer skipped: %s", exc)
                continue
            if layer.id not in layers:
                layers[layer.id] = layer
        layers = with_stored_styles(layers, self.engine)  # styles changed through the styles API (issue 23)
        return Catalog(dict(sorted(layers.items(), key=lambda kv: (kv[1].order, kv[0]))))

    def data_version(self) -> str:
        """The version of the vector data every cache key carries (the build's and the workspace's stamps)."""
        return self.snapshot().version

    def full_catalog(self) -> Catalog:
        """The built layers and the imported ones, at the request's snapshot."""
        return self.snapshot().catalog

    @property
    def catalog(self) -> Catalog:
        """The layers the current request's user may see (internal ones only when signed in): every view reads
        layers through this, so a hidden layer answers 404 as one that does not exist. `full_catalog()` is every
        layer, whoever asks, for the code that truly needs them all."""
        return self.full_catalog().visible_to(current_user())


def services() -> Services:
    return current_app.extensions["yiwu"]


def take_snapshot() -> None:
    """Before a view that reads data: the request's snapshot (one data version read)."""
    from api.core.admission import LIGHT_ENDPOINTS

    if request.endpoint is not None and request.endpoint not in LIGHT_ENDPOINTS:
        services().snapshot()
