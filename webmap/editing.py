"""Editing on the planner map (static/js/editing/): the features of the layers marked editable can be changed by a
signed-in editor or admin — attributes in a form of the panel's edit tab, the geometry by dragging its vertices
(leaflet-geoman), new features drawn, features deleted, and each feature's versions listed — through the OGC API –
Features Part 4 endpoints (api/edit.py). The page is the same for every reader (it is cached): the script asks
`GET /me` who is reading and shows no edit control to anyone below the editor role. Options reach JavaScript
through `tojson`; every value is written as text."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geo.core.limits import MAX_ITEMS_LIMIT
from geo.workspace.layers import PROVENANCE
from layers import Layer
from webmap.analysis_panels import ANALYSIS_CSS
from webmap.assets import static_url
from webmap.i18n import strings
from webmap.views import View

EDIT_VIEWS = ("planner",)  # the maps that offer editing
EDIT_CSS = [*ANALYSIS_CSS, ("yiwu_edit_css", static_url("yiwu-edit.css"))]
Link = Callable[..., str]


class FeatureEditing(JSCSSMixin, MacroElement):
    """Calls `YiwuMap.editing(map, options)`; add it after the overlays and MapTools (it hooks the overlays'
    popups and uses the draw tools)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.editing({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
    """)
    default_css = EDIT_CSS

    def __init__(self, options: dict):
        super().__init__()
        self._name = "FeatureEditing"
        self.options = options


def layer_urls(layer: Layer, link: Link) -> dict:
    """The URLs an edit of one layer calls; `item` and `history` hold the literal placeholder {id}."""
    def template(endpoint: str) -> str:
        return unquote(link(endpoint, collection_id=layer.id, feature_id="{id}"))

    return {"items": link("collections.items", collection_id=layer.id, limit=MAX_ITEMS_LIMIT),
            "create": link("edit.create_item", collection_id=layer.id),
            "item": template("collections.item"), "history": template("edit.item_history"),
            "queryables": link("collections.queryables", collection_id=layer.id)}


def editing_options(layers: list[Layer], lang: str, link: Link) -> dict:
    """The editable layers of the page (title, geometry family, URLs), the words of the page language, the fields
    nobody edits (provenance) and where to ask who is reading."""
    editable = {layer.id: {"title": layer.title(lang), "geometry": layer.geometry, **layer_urls(layer, link)}
                for layer in layers if layer.editable}
    words = strings(lang)
    return {"lang": lang, "labels": words["editing"], "layers": editable, "readonly": list(PROVENANCE),
            "readonly_titles": {name: words["fields"][name] for name in PROVENANCE},
            "value_words": {"accuracy": words["accuracies"]}, "urls": {"me": link("auth.me")}}


def add_editing(fmap: folium.Map, view: View, layers: list[Layer], lang: str, link: Link) -> None:
    """The editing of the view's editable layers, on the maps that offer it (nothing when it has none)."""
    if view.id in EDIT_VIEWS and any(layer.editable for layer in layers):
        FeatureEditing(editing_options(layers, lang, link)).add_to(fmap)
