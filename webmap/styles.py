"""A layer's declared style (layers/style.py) resolved on its data, and what the map pages draw from it: the style
options of the Leaflet overlays (static/js/layers.js `classColor`) and the legend's classes. The published style
documents (MapLibre GL, SLD) are written from the same resolved style (webmap/styledocs.py)."""

from __future__ import annotations

from typing import Protocol

from layers import Layer
from layers.style import Style


class ValueSource(Protocol):
    """What resolving a style reads: one property of a layer's features (the engine, or the map builder's source),
    by a query of that column for a large layer."""

    def values(self, layer_id: str, name: str, distinct: bool = False) -> list: ...


def style_values(layer: Layer, source: ValueSource) -> list:
    """The values of the style's classified field over the layer's features (each once for classes by value; none
    for a single symbol)."""
    name = layer.style.field
    if name is None:
        return []
    categorized = layer.style.kind in ("categorized",)  # classes by value: each value once is enough
    return source.values(layer.id, name, distinct=categorized)


def resolved_style(layer: Layer, source: ValueSource) -> Style:
    """The layer's style with the classes of its data (the classes present; graduated breaks computed)."""
    return layer.style.resolve(style_values(layer, source))


def page_style(style: Style, geometry: str) -> dict:
    """The style options of a Leaflet overlay: the base symbol, and the classes by value (categorized, with the
    other class's colour) or by break (graduated); a polygon's class colours its fill, a line's or point's its
    stroke."""
    out: dict = {**style.symbol, "color": style.color}
    if style.kind == "categorized":
        out |= {"class_field": style.field, "classes": {c.value: c.color for c in style.classes},
                "other_color": style.other.color if style.other else None}
    elif style.kind == "graduated":
        out |= {"class_field": style.field, "breaks": list(style.breaks), "colors": [c.color for c in style.classes]}
    if style.kind != "single":
        out["class_fill"] = geometry == "polygon"
    if style.label_field:
        out["label_field"] = style.label_field
    out |= {k: v for k, v in (("minzoom", style.minzoom), ("maxzoom", style.maxzoom)) if v is not None}
    return out


def legend_classes(style: Style, lang: str) -> list[dict]:
    """The legend rows of a resolved style's classes (the other class last): title in the page language, colour,
    and the value or range it stands for."""
    rows = [{"title": c.label(lang), "color": c.color, "value": c.value} for c in style.classes]
    if style.other is not None:
        rows.append({"title": style.other.label(lang), "color": style.other.color, "value": None})
    return rows
