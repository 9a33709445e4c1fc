"""Folium elements of our own: an offline Map whose script runs as an ES module after our entry module, a vector
layer fed embedded or from the data API, the legend, the map tools, the page header and a grouped layer control with
local assets. Each element's script is a one-line call into `window.YiwuMap` (static/js/main.js, which documents
it) with options passed through `tojson` only; attribute values are rendered by the modules as text."""

from __future__ import annotations

import re

import folium
from branca.element import Element, Figure, Link, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import GroupedLayerControl
from folium.template import Template
from markupsafe import escape

from webmap.assets import static_url, vendor_url
from webmap.i18n import HTML_LANGS

ZOOM_LOCK = re.compile(r",\s*maximum-scale=[0-9.]+,\s*user-scalable=no")
MAIN_JS = static_url("js/main.js")  # the entry module of the map pages: sets window.YiwuMap
OUR_CSS = [("yiwu_map_css", static_url("yiwu-map.css"))]


class ModuleFigure(Figure):
    """branca's Figure with folium's script block as `<script type="module">`. Module scripts run after the
    document is parsed, in document order: after the entry module linked in the head (static/js/main.js), so the
    map code finds `YiwuMap`. (A classic inline script at the end of the body would run before any module.)
    `lang`: the page language, written on `<html lang>`."""

    lang: str | None = None

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html{% if this.lang %} lang="{{ this.lang }}"{% endif %}>\n'
        "<head>\n"
        "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
        "    {{this.header.render(**kwargs)}}\n"
        "</head>\n"
        "<body>\n"
        "    {{this.html.render(**kwargs)}}\n"
        "</body>\n"
        '<script type="module">\n'
        "    {{this.script.render(**kwargs)}}\n"
        "</script>\n"
        "</html>\n",
    )


class ModuleLink(Link):
    """`<script type="module" src=...>` (branca's JavascriptLink writes a classic script)."""

    _template = Template('<script type="module" src="{{ this.url }}"></script>')

    def __init__(self, url: str):
        super().__init__(url=url, download=False)
        self._name = "ModuleLink"


class OfflineMap(folium.Map):
    """folium.Map that loads only Leaflet, from the app itself (no jQuery, Bootstrap or CDN), and our entry module;
    its page is a ModuleFigure. The map opts in to the draw tools (pmIgnore: false; leaflet-geoman's opt-in mode,
    set by static/js/tools/draw.js before the map is made)."""

    default_js = [("leaflet", vendor_url("leaflet", "dist/leaflet.js"))]
    default_css = [("leaflet_css", vendor_url("leaflet", "dist/leaflet.css"))]

    def __init__(self, *args, lang: str = "zh", **kwargs):
        kwargs.setdefault("pm_ignore", False)
        super().__init__(*args, **kwargs)
        figure = ModuleFigure()
        figure.lang = HTML_LANGS["en" if lang == "en" else "zh"]  # <html lang>: the page language
        figure.add_child(self)  # in place of the Figure folium.Map made

    def render(self, **kwargs):
        super().render(**kwargs)  # the default_js/css links first: the module runs after every classic script
        header = self.get_root().header
        header.add_child(ModuleLink(MAIN_JS), name="yiwu_main_js")
        # folium's viewport forbids zooming (maximum-scale=1.0, user-scalable=no): WCAG 1.4.4 wants it allowed
        ours = header._children[self.get_name()]
        header.add_child(Element(ZOOM_LOCK.sub("", ours.render())), name=self.get_name())


class Layout(JSCSSMixin, MacroElement):
    """The page's layout: the map filling the page under the header, and one panel beside it (a sidebar on wide
    screens, a bottom sheet on narrow ones) with tabs for the map layers, the tools and the view's analysis, where
    the layer control, legend, time slider, swipe and analysis panels go (static/js/layout.js). Add it first."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.layout({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
    """)
    default_css = OUR_CSS

    def __init__(self, options: dict):
        super().__init__()
        self._name = "Layout"
        self.options = options


class Panes(MacroElement):
    """The map's panes, made before any overlay is added: context and boundaries at the bottom, vector-tile layers
    above them, the plan layers over those and points on top — so a click reaches what is drawn on top."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.panes({{ this._parent.get_name() }}, {{ this.panes|tojson }});
        {% endmacro %}
    """)

    def __init__(self, panes: dict[str, int]):
        super().__init__()
        self._name = "Panes"
        self.panes = panes


class PlanLayer(JSCSSMixin, Layer):
    """A GeoJSON overlay styled from the catalog; data embedded or fetched from `url`."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = YiwuMap.geojsonLayer({{ this.options|tojson }});
        {%- if this.data is not none %}
        {{ this.get_name() }}.addData({{ this.data|tojson }});
        {%- endif %}
        {%- if this.url %}
        YiwuMap.load({{ this.get_name() }}, {{ this.url|tojson }}, {{ (not this.show)|tojson }});
        {%- endif %}
        {%- if this.show %}
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {%- endif %}
        {% endmacro %}
    """)
    default_css = OUR_CSS

    def __init__(self, name: str, options: dict, data: dict | None = None, url: str | None = None, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PlanLayer"
        self.options, self.data, self.url = options, data, url


class TileOverlay(JSCSSMixin, Layer):
    """A large layer drawn from its vector tiles (Leaflet.VectorGrid, canvas): styled from the catalog, highlighted
    on hover, its popup fetched by feature id; never loaded whole."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = YiwuMap.vectorTileLayer({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {%- if this.show %}
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {%- endif %}
        {% endmacro %}
    """)
    default_js = [("leaflet_vectorgrid", vendor_url("leaflet.vectorgrid", "dist/Leaflet.VectorGrid.bundled.min.js"))]
    default_css = OUR_CSS

    def __init__(self, name: str, options: dict, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "TileOverlay"
        self.options = options


class Legend(JSCSSMixin, MacroElement):
    """Legend control: one row per layer, schematic layers marked."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.legend({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
    """)
    default_css = OUR_CSS

    def __init__(self, options: dict):
        super().__init__()
        self._name = "Legend"
        self.options = options


class MapTools(JSCSSMixin, MacroElement):
    """Search, coordinates, permalink, fullscreen, minimap, draw/measure/download (static/js/tools/).

    Add it after the overlays: it indexes them for search, the minimap and the permalink."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.tools({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
    """)
    default_js = [
        ("leaflet_fullscreen", vendor_url("leaflet.fullscreen", "dist/Control.FullScreen.umd.js")),
        ("leaflet_minimap", vendor_url("leaflet-minimap", "dist/Control.MiniMap.min.js")),
        ("leaflet_geoman", vendor_url("@geoman-io/leaflet-geoman-free", "dist/leaflet-geoman.min.js")),
    ]
    default_css = [
        ("leaflet_fullscreen_css", vendor_url("leaflet.fullscreen", "dist/Control.FullScreen.css")),
        ("leaflet_minimap_css", vendor_url("leaflet-minimap", "dist/Control.MiniMap.min.css")),
        ("leaflet_geoman_css", vendor_url("@geoman-io/leaflet-geoman-free", "dist/leaflet-geoman.css")),
        *OUR_CSS,
    ]

    def __init__(self, options: dict):
        super().__init__()
        self._name = "MapTools"
        self.options = options


class LocalGroupedLayerControl(GroupedLayerControl):
    """folium's grouped layer control with its plugin served locally; names escaped (the plugin uses innerHTML).

    `basemaps` (webmap.basemaps) become its base layers (static/js/basemaps.js); the first is on at load. `base`:
    what the offline basemap is drawn from, the office basemap's TileJSON and the notices' words. The overlays are the
    layers' JavaScript variables in folium's script. The page's panel holds the control (static/js/layout.js)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.layerControl({{ this._parent.get_name() }}, {{ this.basemaps|tojson }}, {
        {%- for group_name, overlays in this.grouped_overlays.items() %}
            {{ group_name|tojson }}: {
            {%- for overlaykey, val in overlays.items() %}{{ overlaykey|tojson }}: {{ val }}, {% endfor -%}
            },
        {%- endfor %}
        }, {{ this.options|tojson }}, {{ this.base|tojson }});
        {% endmacro %}
    """)

    default_js = [("leaflet.groupedlayercontrol.min.js",
                   vendor_url("leaflet-groupedlayercontrol", "dist/leaflet.groupedlayercontrol.min.js")),
                  # the offline basemap is drawn from the layers' vector tiles
                  ("leaflet_vectorgrid", vendor_url("leaflet.vectorgrid", "dist/Leaflet.VectorGrid.bundled.min.js"))]
    default_css = [("leaflet.groupedlayercontrol.min.css",
                    vendor_url("leaflet-groupedlayercontrol", "dist/leaflet.groupedlayercontrol.min.css"))]

    def __init__(self, groups: dict, basemaps: list[dict] = (), base: dict | None = None, **kwargs):
        super().__init__(groups, exclusive_groups=False, **kwargs)
        self.basemaps = list(basemaps)
        self.base = base or {}
        self.grouped_overlays = {
            str(escape(group)): {str(escape(name)): js for name, js in overlays.items()}
            for group, overlays in self.grouped_overlays.items()
        }


def page_header(title: str, nav: list[tuple[str, str, bool]], lang_link: tuple[str, str], lang: str,
                nav_label: str = "") -> Element:
    """Title bar with links to the four views and the language switch (all text escaped); the switch is written in
    the other language, and says so."""
    current = ' class="active" aria-current="page"'
    links = "".join(f'<a href="{escape(href)}"{current if active else ""}>{escape(label)}</a>'
                    for label, href, active in nav)
    other = "zh" if lang == "en" else "en"
    html = (f'<header class="yiwu-header" lang="{escape(lang)}"><h1 class="yiwu-title">{escape(title)}</h1>'
            f'<nav class="yiwu-nav" aria-label="{escape(nav_label)}">{links}</nav>'
            f'<a class="yiwu-lang" href="{escape(lang_link[1])}" lang="{other}" hreflang="{other}">'
            f'{escape(lang_link[0])}</a></header>')
    return Element(html)


def page_title(title: str) -> Element:
    """The <title>, and an empty icon so the browser does not ask for /favicon.ico."""
    return Element(f'<title>{escape(title)}</title><link rel="icon" href="data:,">')
