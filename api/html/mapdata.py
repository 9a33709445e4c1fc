"""What the pages' maps draw besides their subject: each layer's catalog style (the colours of the map pages) and the
base outlines (the app's own boundary layers: counties, then the city), simplified for a page and cached per data
version."""

from __future__ import annotations

from api.core.services import Services
from geo.core.serialize import feature_collection
from layers import Layer
from layers.style import Style
from webmap.styles import page_style, resolved_style

BASE_LEVELS = ("county", "city")  # drawn in this order: the city's outline over the county lines
OUTLINE_TOLERANCE_DEG = 0.0005  # about 50 m: invisible at the scales the pages open at


def layer_theme(layer: Layer, svc: Services) -> Style:
    """The layer's style resolved on its data (webmap/styles.py), cached per data version."""
    if layer.style.kind == "single":
        return layer.style.resolve([])
    key = ("style", layer.id, svc.data_version(), repr(layer.style))
    return svc.stats.get_or_compute(key, lambda: resolved_style(layer, svc.engine))


def layer_style(layer: Layer, svc: Services) -> dict:
    """The style options of a layer as the map pages use them (its classes included)."""
    return page_style(layer_theme(layer, svc), layer.geometry)


def base_layers(svc: Services) -> list[Layer]:
    return [lay for level in BASE_LEVELS if (lay := svc.catalog.boundary(level)) is not None]


def base_frames(svc: Services) -> list[tuple[Layer, object]]:
    """The base boundary layers with their geometries simplified (WGS84), cached per data version."""

    def compute():
        out = []
        for layer in base_layers(svc):
            frame = svc.engine.frame(layer.id)[["feature_id", "name_zh", "name_en", "geometry"]].copy()
            frame["geometry"] = frame.geometry.simplify(OUTLINE_TOLERANCE_DEG, preserve_topology=True)
            out.append((layer, frame))
        return out

    # keyed by the internal layers the reader may see: an internal boundary may be the one a signed-in user gets
    return svc.stats.get_or_compute(("base_outlines", svc.data_version(), svc.catalog.internal_ids()), compute)


def base_geojson(svc: Services, lang: str) -> list[dict]:
    """The base outlines for a page's Leaflet map: title, style and features."""
    return [{"id": layer.id, "title": layer.title(lang), "style": layer_style(layer, svc),
             "data": feature_collection(frame)} for layer, frame in base_frames(svc)]
