"""The properties a layer's vector tiles carry, chosen once for the live encoder and the build-time pyramid alike."""

from __future__ import annotations


def tile_fields(layer, large: bool) -> tuple[str, ...]:
    """The properties a tile carries (besides feature_id): the popup fields of a small layer — a large one's popup
    fetches the feature by id — and the style's class field."""
    class_field = [layer.style["class_field"]] if layer.style.get("class_field") else []
    class_field += ["mode"] if layer.style.get("mode_colors") else []
    fields = [] if large else list(layer.popup_fields)
    return tuple(dict.fromkeys([*fields, *class_field]))
