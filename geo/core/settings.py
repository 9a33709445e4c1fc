"""One settings object for the build command and the app alike: defaults, then YIWU_* environment variables,
then the caller's overrides (the app factory's `config`, the command line). Frozen; every directory setting is
honoured by both the build and the server."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]  # the repository
ENV_PREFIX = "YIWU_"


@dataclass(frozen=True)
class Settings:
    """Where the data and catalogs are, and how the service presents itself (README "Settings")."""

    data_dir: Path = ROOT / "data"
    gpkg_path: Path | None = None  # default: data_dir/build/yiwu.gpkg
    catalog_dir: Path = ROOT / "layers" / "catalog"
    raster_catalog_dir: Path = ROOT / "layers" / "rasters"
    rules_path: Path = ROOT / "layers" / "rules.yaml"  # review rules (layers/rules.py), validated at start
    vendor_dir: Path = ROOT / "webmap" / "node_modules"
    tianditu_key: str | None = None
    base_url: str | None = None  # public URL of the service; absolute links use it instead of the Host header
    trusted_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")  # Host values accepted without base_url
    proxy_hops: int = 0  # X-Forwarded-* trusted from this many proxies (0: ignored)
    sql_all_layers: bool = False  # query every layer in the GeoPackage, small ones too (least memory)
    database_url: str | None = None  # postgresql://…: the build loads PostGIS too and the app reads it
    database_schema: str = "yiwu"  # the PostGIS schema of the layers (swapped in whole by each build)
    workspace_path: Path | None = None  # default: data_dir/workspace/workspace.gpkg (imports, edits, users, audit)
    workspace_schema: str = "yiwu_workspace"  # the same in PostGIS (with database_url); never touched by a build
    basemap: Path | None = None  # an MBTiles file the office draws under every map (served at /basemap/…)
    work_slots: int = 0  # requests computing at once per process (0: the number of cores, at least 2); api/core/admission.py
    work_wait_seconds: float = 30.0  # how long a request waits for a slot before a 503 with Retry-After
    # issue 26: read replicas and the shared cache
    database_replicas: tuple[str, ...] = ()  # postgresql://… hot standbys the reads go to (writes: database_url)
    cache_dir: Path | None = None  # a directory every worker and host shares for tiles and statistics (None: memory)
    cache_max_mb: float = 512.0  # the shared cache's bound; the least recently used entries are dropped beyond it
    # tile pyramids (geo/tiles/pyramid.py): a layer of at least pyramid_features features gets one, built by tippecanoe
    pyramid_dir: Path | None = None  # default: build_dir/pyramids (on PostGIS: a directory every worker shares)
    pyramid_features: int = 50_000
    pyramid_rebuild_edits: int = 100  # edits since a layer's pyramid after which it is rebuilt in the background
    build_chunk_features: int = 100_000  # a file layer of more features is built this many at a time (geo/build/chunked.py)

    @property
    def gpkg(self) -> Path:
        return Path(self.gpkg_path) if self.gpkg_path else self.data_dir / "build" / "yiwu.gpkg"

    @property
    def workspace(self) -> Path:
        return Path(self.workspace_path) if self.workspace_path else self.data_dir / "workspace" / "workspace.gpkg"

    @property
    def pyramids(self) -> Path:
        """Where the large layers' tile pyramids are (one MBTiles file per layer)."""
        return Path(self.pyramid_dir) if self.pyramid_dir else self.build_dir / "pyramids"

    @property
    def build_dir(self) -> Path:
        """Where the GeoPackage's companions (COGs, caches) are written."""
        return self.gpkg.parent

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with the given fields replaced (keys case-insensitive; strings converted to the field's type)."""
        known = {f.name: f for f in fields(self)}
        changes = {}
        for key, value in overrides.items():
            name = key.lower()
            if name in known and value is not None:
                changes[name] = _convert(name, value)
        return replace(self, **changes)


def _convert(name: str, value: Any) -> Any:
    if name.endswith("_dir") or name in ("gpkg_path", "basemap", "workspace_path", "rules_path"):
        return Path(value)
    if name == "cache_dir":
        return Path(value)
    if name == "cache_max_mb":
        return float(value)
    if name == "database_replicas" and isinstance(value, str):
        return tuple(u.strip() for u in value.split(",") if u.strip())
    if name == "trusted_hosts" and isinstance(value, str):
        return tuple(h.strip() for h in value.split(",") if h.strip())
    if name in ("proxy_hops", "work_slots"):
        return int(value)
    if name in ("pyramid_features", "pyramid_rebuild_edits", "build_chunk_features"):
        return int(value)
    if name == "pyramid_dir":
        return Path(value)
    if name == "work_wait_seconds":
        return float(value)
    if name == "sql_all_layers" and isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return value


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """YIWU_<FIELD> variables (e.g. YIWU_DATA_DIR, YIWU_BASE_URL, YIWU_TRUSTED_HOSTS=a,b)."""
    environ = os.environ if environ is None else environ
    names = {f.name for f in fields(Settings)}
    return {k[len(ENV_PREFIX):].lower(): v for k, v in environ.items()
            if k.startswith(ENV_PREFIX) and k[len(ENV_PREFIX):].lower() in names and v != ""}


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then the environment, then `overrides`."""
    return Settings().with_overrides(env_overrides(environ)).with_overrides(overrides or {})
