"""Which properties a layer's vector tiles carry: the one choice every tile writer makes the same way (the tile
endpoint, and pre-built pyramids of large layers)."""

from __future__ import annotations


def tile_fields(layer, large: bool = False) -> tuple[str, ...]:
    """The properties of `layer` (a layers.Layer) its tiles carry besides `feature_id`: the fields its style
    classifies and labels by, for every layer, and the popup fields of a small layer (a `large` one's popup fetches
    the feature by id)."""
    popup = () if large else tuple(layer.popup_fields)
    return tuple(dict.fromkeys([*popup, *layer.style.fields()]))
