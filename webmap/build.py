"""Build a view's folium map from Layer objects and the features of the store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol
from urllib.parse import unquote

import geopandas as gpd

from geo.core.limits import MAX_ITEMS_LIMIT
from geo.core.serialize import feature_collection
from geo.query.downloads import DOWNLOADS
from geo.store.layerinfo import LayerInfo
from geo.tiles.fields import tile_fields
from layers import Layer
from layers.raster_model import RasterLayer
from layers.style import Style
from webmap.analysis_panels import add_analysis_panels
from webmap.basemaps import BASE_ROLES, basemaps, offline_basemap, tile_template
from webmap.editing import add_editing
from webmap.elements import (
    Layout,
    Legend,
    LocalGroupedLayerControl,
    MapTools,
    OfflineMap,
    Panes,
    PlanLayer,
    TileOverlay,
    page_header,
    page_title,
)
from webmap.i18n import strings
from webmap.raster_layers import add_raster_overlays
from webmap.styles import legend_classes, page_style, resolved_style
from webmap.views import VIEWS, View, layers_for

LOGGER = logging.getLogger(__name__)
EMBED_LIMIT_BYTES = 60_000  # WKB bytes: larger layers are fetched from the data API by the page
ITEMS_ENDPOINT = "collections.items"
# Leaflet panes (z-index) by what a layer is: the offline basemap's land and lines in Leaflet's tile pane (200),
# boundaries and context overlays above it, vector tiles, the plan's areas and lines in Leaflet's overlay pane (400),
# the basemap's name labels (never taking a click), points on top. Which feature a click opens is decided by the
# page's hit-testing (static/js/hits.js), by role: a boundary only where no plan feature is under the pointer.
PANES = {"yiwuBase": 350, "yiwuTiles": 380, "yiwuLabels": 430, "yiwuPoints": 450}


def pane_of(layer: Layer, large: bool) -> str:
    if large:
        return "yiwuTiles"
    if layer.role in ("boundary", "context"):
        return "yiwuBase"
    return "yiwuPoints" if layer.geometry == "point" else "overlayPane"


Link = Callable[..., str]  # link(endpoint, **values) -> the URL path of an endpoint of the app (api/urls.path_url)


def value_names(lang: str) -> dict[str, dict[str, str]]:
    """Field -> code -> word of the page language, for every coded field a popup shows (status, plan_status, mode,
    port_type, accuracy, four_ports, region)."""
    text = strings(lang)
    return {**text["values"], "port_type": text["analysis"]["port_types"], "accuracy": text["accuracies"]}


def layer_options(layer: Layer, lang: str, link: Link, style: Style | None = None) -> dict:
    """Style, role and popup options of one layer, passed to JavaScript through tojson (`style`: the layer's style
    resolved on its data, webmap/styles.py). The popup shows the page language's one of a `_zh`/`_en` pair of
    fields (both names: the other one as a row)."""
    text = strings(lang)
    style = page_style(style or layer.style, layer.geometry)  # unresolved: the declared classes
    fields = list(layer.popup_fields)
    labels = {"fields": {f: text["fields"].get(f, f) for f in fields}, "plan": text["plan"],
              "accuracy": text["accuracy"], "source": text["source"], "accuracies": text["accuracies"],
              "schematic_note": text["schematic_note"], "values": value_names(lang),
              "other_language": text["layout"]["other_language"], "other_name": text["layout"]["other_name"]}
    title_field = "name_en" if lang == "en" else "name_zh"
    downloads = {"label": text["download"], "links": download_links(layer.id, link)}
    return {"id": layer.id, "style": style, "role": layer.role, "geometry": layer.geometry,
            "title": layer.title(lang), "base": layer.role in BASE_ROLES, "interactive": layer.role not in BASE_ROLES,
            "popup": {"fields": fields, "labels": labels, "title_field": title_field, "lang": lang,
                      "downloads": downloads}}


def download_links(layer_id: str, link: Link) -> list[dict]:
    """The whole layer as GeoJSON and in each download format of the data API (the collection's items)."""
    formats = [("GeoJSON", "json")] + [(spec.name, fmt) for fmt, spec in DOWNLOADS.items()]
    return [{"label": label, "href": link(ITEMS_ENDPOINT, collection_id=layer_id, f=fmt, limit=MAX_ITEMS_LIMIT)}
            for label, fmt in formats]


def legend_entry(layer: Layer, lang: str, style: Style | None = None) -> dict:
    """A layer's legend row: its symbol, and the classes its data has (`style` resolved, webmap/styles.py)."""
    style = style or layer.style
    entry = {"id": layer.id, "title": layer.title(lang), "geometry": layer.geometry,
             "color": style.color, "fill": style.get("fill_color"),
             "dashed": bool(style.get("dash_array")), "schematic": layer.accuracy == "schematic"}
    if style.kind != "single":
        entry["classes"] = legend_classes(style, lang)
    return entry


BOUNDARY_ORDER = ("country", "province", "county", "city")  # minimap: the boundaries, widest first
MILESTONES = (2020, 2021, 2025, 2035)  # plan baseline, first year, 14th FYP target, 2035 vision


def tools_options(layers: list[Layer], lang: str) -> dict:
    """Options of the map tools: labels in the page language, the context layers drawn in the minimap."""
    return {"lang": lang, "labels": {**strings(lang)["tools"], "close": strings(lang)["layout"]["close"]},
            "milestones": list(MILESTONES),
            "titles": {layer.id: layer.title(lang) for layer in layers},
            "minimap_layers": [lay.id for lay in sorted((lay for lay in layers if lay.role == "boundary"),
                                                        key=lambda lay: BOUNDARY_ORDER.index(lay.boundary_level))]}


ANALYSIS_TABS = {"planner": "tab_site", "investor": "tab_parks", "logistics": "tab_corridors"}


def layout_options(view: View, lang: str) -> dict:
    """The page's panel (static/js/layout.js): a sidebar on wide screens, a bottom sheet on narrow ones, with the
    map layers (legend, layer list, raster opacity), the tools (time slider, swipe) and the view's analysis."""
    text = strings(lang)["layout"]
    analysis = ANALYSIS_TABS.get(view.id)
    tabs = [{"id": "layers", "title": text["tab_layers"]}, {"id": "tools", "title": text["tab_tools"]}]
    if analysis:
        tabs.append({"id": "analysis", "title": text[analysis]})
    return {"lang": lang, "labels": text, "tabs": tabs, "default_tab": "analysis" if analysis else "layers"}


def _nav(view: View, lang: str) -> tuple[list[tuple[str, str, bool]], tuple[str, str]]:
    text = strings(lang)
    suffix = "?lang=en" if lang == "en" else ""
    nav = [(text["views"][v.id], v.path + suffix, v.id == view.id) for v in VIEWS.values()]
    # the text alternative to the map: every layer's data as tables (the collection pages)
    nav.append((text["tools"]["data_tables"], "/collections?f=html" + suffix.replace("?", "&"), False))
    other = "zh" if lang == "en" else "en"
    return nav, (text["switch_lang"], view.path + ("?lang=en" if other == "en" else ""))


def analysis_urls(link: Link) -> dict[str, str]:
    """The analysis endpoints the panels call (metrics as a template with {id})."""
    return {"site": link("analysis.analysis_site"), "parks": link("analysis.parks"),
            "compare": link("analysis.parks_compare"),
            "metrics": link("analysis.corridors_metrics", corridor_id="{id}")}


class MapSource(Protocol):
    """What the builder reads of the data: a small layer whole, and any layer's stored facts."""

    def frame(self, layer_id: str) -> gpd.GeoDataFrame: ...

    def info(self, layer_id: str) -> LayerInfo: ...

    def tile_minzoom(self, layer_id: str, fields: tuple[str, ...]) -> int: ...

    def values(self, layer_id: str, name: str, distinct: bool = False) -> list: ...


def overlay(layer: Layer, source: MapSource, link: Link, lang: str, show: bool) -> PlanLayer | TileOverlay:
    """A layer's overlay: vector tiles for a large layer; small ones embedded or fetched whole (under the embed
    limit, judged from the build's facts: nothing is serialised to measure it)."""
    info, options = source.info(layer.id), layer_options(layer, lang, link, resolved_style(layer, source))
    options["pane"] = pane_of(layer, info.large)
    if info.large:
        tiles = tile_template(layer.id, link)
        feature = unquote(link("collections.item", collection_id=layer.id, feature_id="{id}"))
        options |= {"title": layer.title(lang), "tiles": tiles, "feature_url": feature,
                    "minzoom": source.tile_minzoom(layer.id, tile_fields(layer, info.large)),
                    "count": info.count, "labels": {"zoom_in": strings(lang)["tools"]["zoom_in"]}}
        return TileOverlay(layer.title(lang), options, show=show)
    if info.geometry_bytes <= EMBED_LIMIT_BYTES:
        return PlanLayer(layer.title(lang), options, data=feature_collection(source.frame(layer.id)), show=show)
    url = link(ITEMS_ENDPOINT, collection_id=layer.id, limit=MAX_ITEMS_LIMIT)  # every feature: small layers have
    return PlanLayer(layer.title(lang), options, url=url, show=show)      # at most MAX_ITEMS_LIMIT


def build_map(view: View, catalog: dict[str, Layer], source: MapSource, link: Link, lang: str = "zh",
              tianditu_key: str | None = None,
              rasters: Mapping[str, RasterLayer] = MappingProxyType({}), office: dict | None = None) -> OfflineMap:
    """The folium map of a view: grouped overlays, legend, header, tools and the audience's panel (`office`: the
    TileJSON of the office's basemap, when the server has one: it is the default basemap)."""
    text = strings(lang)
    fmap = OfflineMap(location=list(view.center), zoom_start=view.zoom, tiles=None, control_scale=False,
                      prefer_canvas=False, lang=lang)
    groups: dict[str, list] = {}
    layers = layers_for(view, catalog)
    Layout(layout_options(view, lang)).add_to(fmap)
    Panes(PANES).add_to(fmap)
    for layer in layers:
        element = overlay(layer, source, link, lang, view.shows(layer)).add_to(fmap)
        groups.setdefault(text["groups"][layer.group], []).append(element)
    base = {"offline": offline_basemap(catalog.values(), source, link, lang),
            "labels": {"failed": text["tools"]["basemap_failed"], "use_offline": text["tools"]["use_offline"],
                       "title": text["layout"]["layers"]}}
    LocalGroupedLayerControl(groups, basemaps=basemaps(lang, tianditu_key, office), base=base,
                             collapsed=False).add_to(fmap)
    add_raster_overlays(fmap, view, lang, rasters,  # raster surfaces (webmap/raster_layers.py)
                        tilejson_url=lambda raster_id: link("rasters.tilejson", raster_id=raster_id))
    Legend({"title": text["legend"], "schematic": text["schematic"],
            "entries": [legend_entry(layer, lang, resolved_style(layer, source)) for layer in layers]}).add_to(fmap)
    MapTools(tools_options(layers, lang)).add_to(fmap)
    add_analysis_panels(fmap, view, lang, analysis_urls(link),  # site check, park cards, corridor metrics
                        [layer.id for layer in layers if layer.role == "corridor"])
    add_editing(fmap, view, layers, lang, link)  # editable layers: the edit tab for editors (webmap/editing.py)
    nav, lang_link = _nav(view, lang)
    root = fmap.get_root()
    root.header.add_child(page_title(f"{text['site']} · {text['views'][view.id]}"))
    root.html.add_child(page_header(text["site"], nav, lang_link, lang, text["layout"]["nav"]))
    return fmap
