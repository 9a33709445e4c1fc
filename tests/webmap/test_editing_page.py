"""The planner map's editing (webmap/editing.py): offered on the planner map only, and only when it shows a layer
marked editable; its options name the editable layers with the URLs of the Part 4 endpoints (the feature id as the
literal {id}), the provenance fields as read-only, where to ask who is reading, and the words of the page language.
The browser behaviour is tests/browser/test_browser_editing.py."""

from __future__ import annotations

import dataclasses

import folium
import pytest

from layers import load_catalog
from webmap.editing import add_editing, editing_options
from webmap.i18n import strings
from webmap.views import VIEWS


def link(endpoint: str, **values) -> str:
    """URLs as url_for writes them: placeholders quoted (%7Bid%7D), query arguments after a ?."""
    path = {"collections.items": "/collections/{collection_id}/items",
            "edit.create_item": "/collections/{collection_id}/items",
            "collections.item": "/collections/{collection_id}/items/{feature_id}",
            "edit.item_history": "/collections/{collection_id}/items/{feature_id}/history",
            "collections.queryables": "/collections/{collection_id}/queryables", "auth.me": "/me"}[endpoint]
    filled = path.format(**{k: str(v).replace("{", "%7B").replace("}", "%7D") for k, v in values.items()
                            if "{" + k + "}" in path})
    query = "&".join(f"{k}={v}" for k, v in values.items() if "{" + k + "}" not in path)
    return filled + ("?" + query if query else "")


@pytest.fixture()
def layers():
    catalog = load_catalog()
    zone = dataclasses.replace(catalog["yixi_84"], editable=True)
    return [zone, catalog["second_ring_266"]]


def test_options_name_the_editable_layers_with_their_urls(layers):
    opts = editing_options(layers, "en", link)
    assert list(opts["layers"]) == ["yixi_84"]
    urls = opts["layers"]["yixi_84"]
    assert urls["item"] == "/collections/yixi_84/items/{id}" and urls["history"].endswith("/{id}/history")
    assert urls["create"] == "/collections/yixi_84/items" and urls["items"].startswith("/collections/yixi_84/items?")
    assert urls["queryables"] == "/collections/yixi_84/queryables" and opts["urls"]["me"] == "/me"
    assert urls["title"] == layers[0].title("en") and urls["geometry"] == "polygon"
    assert opts["readonly"] == ["source", "accuracy", "plan_ref"]
    assert opts["readonly_titles"] == {"source": "Source", "accuracy": "Accuracy", "plan_ref": "Plan clause"}
    assert opts["value_words"]["accuracy"]["official_boundary"] == "official boundary"
    assert opts["labels"] == strings("en")["editing"] and opts["labels"]["conflict"].startswith("Not saved")
    assert "其他人已修改" in editing_options(layers, "zh", link)["labels"]["conflict"]


@pytest.mark.parametrize("view_id, editable, offered", [("planner", True, True), ("planner", False, False),
                                                         ("investor", True, False), ("overview", True, False)])
def test_editing_is_offered_on_the_planner_map_with_an_editable_layer(layers, view_id, editable, offered):
    shown = layers if editable else layers[1:]
    fmap = folium.Map(tiles=None)
    add_editing(fmap, VIEWS[view_id], shown, "zh", link)
    html = fmap.get_root().render()
    assert ("YiwuMap.editing(" in html) is offered
    assert ("yiwu-edit.css" in html) is offered
