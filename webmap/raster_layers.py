"""Raster overlays on the map pages: each catalog raster of the view's audience as a checkbox in its own group of
the map's grouped layer control, off at load, with an opacity slider each in the page's panel. When switched on, the
page reads the raster's TileJSON from the API, adds its tile layer clipped to the raster's bounds (so no tile outside
it is asked for) and shows a colour-bar legend in the raster's unit. All text reaches the page as JSON and is set
with textContent."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from markupsafe import escape
from rio_tiler.colormap import cmap

from layers.raster_model import RasterLayer
from webmap.assets import static_url
from webmap.i18n import strings
from webmap.views import View

GRADIENT_STOPS = 11
OPACITY = 0.75


class RasterOverlays(JSCSSMixin, MacroElement):
    """The raster overlays as a group of the grouped layer control (added before; off at load):
    `YiwuMap.rasters(map, options)` (static/js/rasters.js). Switching one on fetches its TileJSON once, adds the
    tile layer clipped to the raster's bounds and shows its legend (static/yiwu-rasters.css)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        YiwuMap.rasters({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
    """)
    default_css = [("yiwu_rasters_css", static_url("yiwu-rasters.css"))]

    def __init__(self, options: dict):
        super().__init__()
        self._name = "RasterOverlays"
        self.options = options


def gradient(colormap: str) -> str:
    """CSS linear-gradient of a rio-tiler colormap, left (low) to right (high)."""
    colours = cmap.get(colormap)
    stops = []
    for i in range(GRADIENT_STOPS):
        r, g, b, _ = colours[round(i * 255 / (GRADIENT_STOPS - 1))]
        stops.append(f"rgb({r},{g},{b}) {i * 100 // (GRADIENT_STOPS - 1)}%")
    return f"linear-gradient(to right, {', '.join(stops)})"


def legend_options(raster: RasterLayer, lang: str) -> dict:
    """Title with unit, and either a colour bar with min/middle/max ticks or one swatch per visible class."""
    if raster.is_class:
        classes = [{"title": c.title(lang), "color": c.color} for c in raster.classes if c.opacity > 0]
        return {"title": raster.legend(lang), "classes": classes}
    low, high = raster.rescale or (0.0, 1.0)
    ticks = [f"{v:g}" for v in (low, (low + high) / 2, high)]
    ticks[-1] = f"≥ {ticks[-1]} {raster.unit}"
    return {"title": raster.legend(lang), "gradient": gradient(raster.colormap), "ticks": ticks}


def rasters_for(view: View, rasters: Mapping[str, RasterLayer]) -> list[RasterLayer]:
    """The raster catalog entries a view shows (every raster on the overview)."""
    return [r for r in rasters.values() if view.audience is None or view.audience in r.audiences]


def raster_options(raster: RasterLayer, lang: str, tilejson_url: Callable[[str], str]) -> dict:
    """One raster's options: title, label of the layer control, TileJSON URL (`tilejson_url(raster id)`), legend."""
    # the grouped layer control writes names with innerHTML: the title is escaped, the span only marks the raster
    label_html = f'<span data-raster="{escape(raster.id)}">{escape(raster.title(lang))}</span>'
    return {"id": raster.id, "title": raster.title(lang), "label_html": label_html, "tilejson": tilejson_url(raster.id),
            "opacity": OPACITY, "legend": legend_options(raster, lang)}


def add_raster_overlays(fmap, view: View, lang: str, rasters: Mapping[str, RasterLayer],
                        tilejson_url: Callable[[str], str]) -> RasterOverlays | None:
    """Add the view's raster overlays to the map's grouped layer control (added before); None when it has none.
    `tilejson_url(raster id)` is the URL of the raster's TileJSON (GET /rasters/{id}/tilejson.json)."""
    shown = rasters_for(view, rasters)
    if not shown:
        return None
    tools = strings(lang)["tools"]
    options = {"title": strings(lang)["rasters"]["control_title"],
               "rasters": [raster_options(r, lang, tilejson_url) for r in shown],
               "slider": {"opacity": tools["opacity"], "title": tools["raster_opacity"]}}
    return RasterOverlays(options).add_to(fmap)
