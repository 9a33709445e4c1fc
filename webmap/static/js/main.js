/* Entry module of the map pages (/, /map/planner, /map/investor, /map/logistics). It imports every concern and
   sets the page's one global, window.YiwuMap: the calls folium's generated script makes, and what the browser
   tests read. Nothing else is written to window.

   Timing: the page's head loads this file as <script type="module" src="/static/js/main.js">, after the classic
   Leaflet and plugin scripts (global L). folium's map code is an inline <script type="module"> at the end of the
   page (webmap/elements.py ModuleFigure). Module scripts run after the document is parsed, in document order, so
   this module and its imports have run, and YiwuMap exists, when folium's script makes the map.

   window.YiwuMap (frozen) =
     called by folium's script (webmap/elements.py, raster_layers.py, analysis_panels.py), in this order:
       panes(map, {name: zIndex})             the panes the overlays are drawn in (before any overlay)
       geojsonLayer(options) -> L.GeoJSON    an empty overlay of catalog layer options.id, registered in `layers`
       load(layer, url, lazy)                 fetch its features from the data API (lazy: when first switched on)
       vectorTileLayer(map, options) -> L.VectorGrid   a large layer drawn from its vector tiles, in `layers` too
       layerControl(map, basemaps, groups, options) -> the grouped layer control, with the basemaps as base layers
       rasters(map, options)                  the raster overlays, a group of that control
       legend(map, options)                   the legend control
       tools(map, options)                    fullscreen, search, draw, coordinates, minimap, time slider, swipe,
                                              permalink
       analysis.sitePanel | analysis.parksPanel | analysis.corridorMetrics (map, options)   the view's panel
     read by the tests (and handy in the console):
       layers          {catalog id: L.GeoJSON | L.VectorGrid} of the page's overlays
       rasterLayers    {raster id: L.LayerGroup} of the raster overlays
       map             the L.Map (set by tools(); null before)
       pending         number of layer fetches under way
       swipe           the swipe comparison: start(leftId, rightId), set(ratio), stop()
       drawingGeoJSON() the drawn shapes as a FeatureCollection with length_m / area_m2
       analysis.analyseSite(geojson)   check a site in the planner's panel, as a drawn one is
       toGcj02(lat, lng) -> [lat, lng] in GCJ-02 (the AMap datum)
*/
import {corridorMetrics} from "./analysis/corridors.js";
import {parksPanel} from "./analysis/parks.js";
import {analyseSite, sitePanel} from "./analysis/site.js";
import {toGcj02} from "./gcj02.js";
import {layerControl} from "./layercontrol.js";
import {geojsonLayer, layers, load, pendingLoads} from "./layers.js";
import {legend} from "./legend.js";
import {panes} from "./panes.js";
import {rasterLayers, rasters} from "./rasters.js";
import {drawingGeoJSON} from "./tools/draw.js";
import {tools} from "./tools/index.js";
import {vectorTileLayer} from "./vectortiles.js";

let page = null;  // what tools() returns: {map, drawn, minimap, swipe}

window.YiwuMap = Object.freeze({
  panes,
  geojsonLayer,
  load,
  vectorTileLayer,
  layerControl,
  rasters,
  legend,
  tools(map, options) {
    page = tools(map, options);
    return page;
  },
  analysis: Object.freeze({sitePanel, parksPanel, corridorMetrics, analyseSite}),
  layers,
  rasterLayers,
  get map() { return page ? page.map : null; },
  get pending() { return pendingLoads(); },
  get swipe() { return page ? page.swipe : null; },
  drawingGeoJSON() { return drawingGeoJSON(page.drawn); },
  toGcj02,
});
