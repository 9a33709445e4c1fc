/* Entry module of the map pages (/, /map/planner, /map/investor, /map/logistics). It imports every concern and
   sets the page's one global, window.YiwuMap (through global.js): the calls folium's generated script makes, and what the browser
   tests read. Nothing else is written to window.

   Timing: the page's head loads this file as <script type="module" src="/static/js/main.js">, after the classic
   Leaflet and plugin scripts (global L). folium's map code is an inline <script type="module"> at the end of the
   page (webmap/elements.py ModuleFigure). Module scripts run after the document is parsed, in document order, so
   this module and its imports have run, and YiwuMap exists, when folium's script makes the map.

   window.YiwuMap (frozen) =
     called by folium's script (webmap/elements.py, raster_layers.py, analysis_panels.py), in this order:
       layout(map, options)                   the page's panel: sidebar (wide) or bottom sheet (narrow), with tabs
                                              for the map layers, the tools and the view's analysis
       panes(map, {name: zIndex})             the panes the overlays are drawn in (before any overlay)
       geojsonLayer(options) -> L.GeoJSON    an empty overlay of catalog layer options.id, registered in `layers`
       load(layer, url, lazy)                 fetch its features from the data API (lazy: when first switched on)
       vectorTileLayer(map, options) -> L.VectorGrid   a large layer drawn from its vector tiles, in `layers` too
       layerControl(map, basemaps, groups, options, base) -> the grouped layer control in the panel, with the
                                              basemaps as base layers, the office's own first (with its TileJSON)
                                              where the server has one (base: the offline basemap's tiles and
                                              labels, the notices' words)
       rasters(map, options)                  the raster overlays, a group of that control
       legend(map, options)                   the legend control
       tools(map, options)                    fullscreen, search, draw, coordinates, minimap, time slider, swipe,
                                              click hit-testing, permalink
       analysis.sitePanel | analysis.parksPanel | analysis.corridorMetrics (map, options)   the view's panel
       editing(map, options)                  the planner's editing of editable layers, for editors and admins
                                              (the edit tab, "Edit" in the popups; webmap/editing.py)
     read by the tests (and handy in the console):
       layers          {catalog id: L.GeoJSON | L.VectorGrid} of the page's overlays
       rasterLayers    {raster id: L.LayerGroup} of the raster overlays
       map             the L.Map (set by tools(); null before)
       pending         number of layer fetches under way
       idle            true when nothing is pending, the map is not moving (a popup's auto-pan included) and no
                       tile layer is loading: the tests wait for it instead of sleeping
       swipe           the swipe comparison: start(leftId, rightId), set(ratio), stop()
       basemaps        {basemap id: layer} of the basemaps offered ("office" first where the server has one)
       places          the offline basemap's labels, which the search finds: [{id, layer, kind, zh, en, lat, lon}]
       hitTest(latlng) the GeoJSON features under a map position, as a click resolves them (nearest first)
       search(query)   what the search box lists for a query: [{kind: feature|place|boundary|coords, ...}]
       showTab(id, open)  show a tab of the panel ("layers", "tools", "analysis"; open: also open the panel)
       setPanelOpen(open) open or collapse the panel
       corridors       the logistics corridor panel: select(route, zoom) (null on other pages)
       drawingGeoJSON() the drawn shapes as a FeatureCollection with length_m / area_m2
       analysis.analyseSite(geojson)   check a site in the planner's panel, as a drawn one is
       toGcj02(lat, lng) -> [lat, lng] in GCJ-02 (the AMap datum)
       editingState()  {user: {name, role} | null, edit: {layer, feature, etag, geometryChanged} | null}
*/
import {corridorMetrics} from "./analysis/corridors.js";
import {parksPanel} from "./analysis/parks.js";
import {analyseSite, sitePanel} from "./analysis/site.js";
import {basemapLayers} from "./basemaps.js";
import {editing, editingState} from "./editing/index.js";
import {toGcj02} from "./gcj02.js";
import {publish} from "./global.js";
import {hitTest} from "./hits.js";
import {atRest, watchActivity} from "./idle.js";
import {places} from "./labels.js";
import {layerControl} from "./layercontrol.js";
import {geojsonLayer, layers, load, pendingLoads} from "./layers.js";
import {layout, setOpen, showTab} from "./layout.js";
import {legend} from "./legend.js";
import {panes} from "./panes.js";
import {rasterLayers, rasters} from "./rasters.js";
import {drawingGeoJSON} from "./tools/draw.js";
import {tools} from "./tools/index.js";
import {findFeatures} from "./tools/search.js";
import {vectorTileLayer} from "./vectortiles.js";

let page = null;  // what tools() returns: {map, drawn, minimap, swipe}
let corridors = null;  // the corridor panel of the logistics page

publish({
  layout,
  panes,
  geojsonLayer,
  load,
  vectorTileLayer,
  layerControl,
  rasters,
  legend,
  tools(map, options) {
    watchActivity(map);
    page = tools(map, options);
    return page;
  },
  editing,
  analysis: Object.freeze({
    sitePanel, parksPanel, analyseSite,
    corridorMetrics(map, options) {
      corridors = corridorMetrics(map, options);
      return corridors;
    },
  }),
  layers,
  rasterLayers,
  basemaps: basemapLayers,
  places,
  get map() { return page ? page.map : null; },
  get pending() { return pendingLoads(); },
  get idle() { return atRest(page && page.map, pendingLoads()); },
  get swipe() { return page ? page.swipe : null; },
  get corridors() { return corridors; },
  hitTest(latlng) { return hitTest(page.map, L.latLng(latlng)); },
  search(query) { return findFeatures(query, 8, document.documentElement.lang === "en" ? "en" : "zh"); },
  showTab,
  setPanelOpen: setOpen,
  drawingGeoJSON() { return drawingGeoJSON(page.drawn); },
  toGcj02,
  editingState,
});
