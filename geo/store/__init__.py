"""The engines that hold the layers: one class per backend (GeoPackage, PostGIS) owning its reads, writes and loading
behind one typed interface (geo/store/base.py `Engine`). `open_engine` is the one place the backend is chosen."""

from __future__ import annotations

from geo.core.settings import Settings
from geo.store.base import Engine


def open_engine(settings: Settings, layer_ids: list[str]) -> Engine:
    """The engine the settings choose: PostGIS with YIWU_DATABASE_URL, else the embedded GeoPackage; `layer_ids`
    are the built layers it serves (the catalog's)."""
    if settings.database_url:
        from geo.store.postgis import PostGISEngine  # psycopg only where a database is configured

        return PostGISEngine(settings, layer_ids)
    from geo.store.gpkg import GeoPackageEngine

    return GeoPackageEngine(settings, layer_ids)
