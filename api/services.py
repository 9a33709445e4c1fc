"""What the blueprints share: the vector and raster catalogs and the feature store, held on the app."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from geo.store import FeatureStore
from layers import Layer
from layers.raster_model import RasterLayer


@dataclass
class Services:
    catalog: dict[str, Layer]
    store: FeatureStore
    rasters: dict[str, RasterLayer] = field(default_factory=dict)
    page_cache: dict = field(default_factory=dict)


def services() -> Services:
    return current_app.extensions["yiwu"]
