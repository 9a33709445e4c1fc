"""Raster overlays on the map pages: each catalog raster of the view's audience as a checkbox in its own group of
the map's grouped layer control, off at load. When switched on, the page reads the raster's TileJSON from the API,
adds its tile layer clipped to the raster's bounds (so no tile outside it is asked for) and shows a colour-bar
legend in the raster's unit. All text reaches the page as JSON and is set with textContent."""

from __future__ import annotations

from collections.abc import Mapping

from branca.element import MacroElement
from folium.template import Template
from markupsafe import escape
from rio_tiler.colormap import cmap

from layers.raster_model import RasterLayer
from webmap.views import View

CONTROL_TITLE = {"zh": "栅格分析面", "en": "Raster surfaces"}
GRADIENT_STOPS = 11
OPACITY = 0.75


class RasterOverlays(MacroElement):
    """The raster overlays as a group of the grouped layer control (YiwuMap.control; off at load). Switching one
    on fetches its TileJSON once, adds the tile layer clipped to the raster's bounds and shows its legend."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, opts) {
            function legendControl(spec) {
                var legend = L.control({position: "bottomleft"});
                legend.onAdd = function () {
                    var box = L.DomUtil.create("div", "yiwu-raster-legend");
                    box.style.cssText = "background:#fff;padding:6px 8px;font:12px sans-serif;border-radius:4px;"
                        + "box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:220px";
                    var title = L.DomUtil.create("div", "", box);
                    title.style.fontWeight = "bold";
                    title.textContent = spec.title;
                    if (spec.gradient) {
                        var bar = L.DomUtil.create("div", "yiwu-raster-colorbar", box);
                        bar.style.cssText = "height:12px;margin:4px 0;background:" + spec.gradient;
                        var ticks = L.DomUtil.create("div", "", box);
                        ticks.style.cssText = "display:flex;justify-content:space-between;gap:8px";
                        spec.ticks.forEach(function (t) { L.DomUtil.create("span", "", ticks).textContent = t; });
                    }
                    (spec.classes || []).forEach(function (c) {
                        var row = L.DomUtil.create("div", "", box);
                        var sw = L.DomUtil.create("span", "", row);
                        sw.style.cssText = "display:inline-block;width:12px;height:12px;margin-right:4px;"
                            + "vertical-align:middle;background:" + c.color;
                        L.DomUtil.create("span", "", row).textContent = c.title;
                    });
                    return box;
                };
                return legend;
            }
            function overlay(spec) {
                var group = L.layerGroup(), legend = legendControl(spec.legend), tiles = null;
                group.on("add", function () {
                    legend.addTo(map);
                    if (tiles) { return; }
                    fetch(spec.tilejson).then(function (r) { return r.json(); }).then(function (tj) {
                        var b = tj.bounds;
                        group.yiwuTemplate = tj.tiles[0];
                        tiles = L.tileLayer(tileUrl(tj.tiles[0]), {opacity: spec.opacity,
                            bounds: L.latLngBounds([b[1], b[0]], [b[3], b[2]]), maxZoom: 19});
                        tiles.on("load", function () { group.fire("rasterload"); });
                        group.addLayer(tiles);
                    });
                });
                group.on("remove", function () { legend.remove(); });
                return group;
            }
            function tileUrl(template) {  // over the GCJ-02 (AMap) basemap, ask for tiles of the GCJ-02 map
                if (map.options.crs !== YiwuMap.GCJ02_CRS) { return template; }
                return template + (template.indexOf("?") < 0 ? "?" : "&") + "datum=gcj02";
            }
            map.on("baselayerchange", function () {
                Object.keys(layers).forEach(function (id) {
                    layers[id].eachLayer(function (t) { t.setUrl(tileUrl(layers[id].yiwuTemplate)); });
                });
            });
            var layers = window.YiwuRasters = {};
            opts.rasters.forEach(function (spec) {
                layers[spec.id] = overlay(spec);
                YiwuMap.control.addOverlay(layers[spec.id], spec.label_html, opts.title);
            });
        })({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
    """)

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


def raster_options(raster: RasterLayer, lang: str) -> dict:
    # the grouped layer control writes names with innerHTML: the title is escaped, the span only marks the raster
    label_html = f'<span data-raster="{escape(raster.id)}">{escape(raster.title(lang))}</span>'
    return {"id": raster.id, "title": raster.title(lang), "label_html": label_html, "tilejson": f"/rasters/{raster.id}/tilejson.json",
            "opacity": OPACITY, "legend": legend_options(raster, lang)}


def add_raster_overlays(fmap, view: View, lang: str, rasters: Mapping[str, RasterLayer]) -> RasterOverlays | None:
    """Add the view's raster overlays to the map's grouped layer control (added before); None when it has none."""
    shown = rasters_for(view, rasters)
    if not shown:
        return None
    options = {"title": CONTROL_TITLE.get(lang, CONTROL_TITLE["zh"]), "rasters": [raster_options(r, lang) for r in shown]}
    return RasterOverlays(options).add_to(fmap)
