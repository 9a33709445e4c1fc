/* Basemaps. The offline one (default) is drawn from the app's own layers (webmap/basemaps.py offline_basemap): the
   country boundaries filled as land on a sea-coloured background, the lines of every boundary level — both from the
   layers' vector tiles, asked for only within each layer's extent — and the name labels (labels.js). Where the server
   has the office's own basemap, its TileJSON is in the page and it comes first, on by default (raster tiles, or
   vector tiles drawn with VectorGrid).
   Online tiles (OpenStreetMap, Tianditu, AMap) say so in the page language when they cannot load. While a GCJ-02
   basemap (AMap) is on, the map projects through GCJ02_CRS; data, drawings and coordinates stay WGS84. */
import {button, control, el} from "./dom.js";
import {GCJ02_CRS} from "./gcj02.js";
import {indexPlaces, labelLayer} from "./labels.js";

const gcj02Basemaps = new WeakSet();  // the base layers whose tiles are GCJ-02
const online = new WeakSet();  // the base layers fetched from outside
export const basemapLayers = {};  // basemap id -> layer
const LAND = {fill: true, fillColor: "#f3f1ea", fillOpacity: 1, stroke: true, color: "#b9b09d", weight: 0.7,
              opacity: 1};
const LINES = {country: LAND,
               province: {fill: false, color: "#8f7fa3", weight: 1.6, opacity: 0.9},
               county: {fill: false, color: "#a9a39a", weight: 0.9, opacity: 0.9, dashArray: "4 3"},
               city: {fill: false, color: "#6c6357", weight: 1.4, opacity: 0.9}};

function setCrs(map, crs) {
  if (map.options.crs === crs) { return; }
  const center = map.getCenter();
  const zoom = map.getZoom();
  map.options.crs = crs;
  map.setView(center, zoom, {reset: true});  // a reset view re-projects every layer through the new CRS
}

function tiles(choice) {
  const opts = {maxZoom: choice.max_zoom, attribution: choice.attribution, subdomains: choice.subdomains || "abc"};
  const layer = choice.labels_url ? L.layerGroup([L.tileLayer(choice.url, opts), L.tileLayer(choice.labels_url, opts)])
    : L.tileLayer(choice.url, opts);
  if (choice.gcj02) { gcj02Basemaps.add(layer); }
  online.add(layer);
  return layer;
}

function bounds(b) {
  return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
}

/* One boundary layer of the offline basemap, from its vector tiles (canvas, no interaction). */
function boundaryTiles(spec) {
  const style = spec.land ? LAND : (LINES[spec.kind] || LINES.county);
  const opts = {rendererFactory: L.canvas.tile, interactive: false, bounds: bounds(spec.bounds),
                minZoom: spec.minzoom, maxZoom: 22, vectorTileLayerStyles: {[spec.id]: style}};
  if (spec.max_native_zoom) { opts.maxNativeZoom = spec.max_native_zoom; }
  return L.vectorGrid.protobuf(spec.tiles, opts);
}

/* The offline basemap: land and boundary lines from the tiles, labels on top, the sea as the map's background. */
function offlineBase(map, spec, lang) {
  const land = spec.boundaries.filter((b) => b.land).map(boundaryTiles);
  const lines = spec.boundaries.filter((b) => !b.land).map(boundaryTiles);
  const group = L.layerGroup([...land, ...lines, labelLayer(map, lang)]);
  group.on("add", () => {
    map.getContainer().classList.add("yiwu-offline-base");
    map.getContainer().classList.toggle("yiwu-sea", Boolean(spec.sea));
  });
  group.on("remove", () => { map.getContainer().classList.remove("yiwu-offline-base", "yiwu-sea"); });
  return group;
}

/* A notice in the page language while an online basemap's tiles fail, with a button back to the offline one. */
function failureNotice(map, words, offline) {
  let notice = null;
  const hide = () => { if (notice) { notice.remove(); notice = null; } };
  const show = () => {
    if (notice) { return; }
    notice = control(map, "bottomleft", () => {
      const root = el("div", "yiwu-notice yiwu-basemap-notice leaflet-bar");
      root.setAttribute("role", "status");
      root.appendChild(el("span", null, words.failed));
      const back = button("yiwu-notice-button", words.use_offline);
      back.addEventListener("click", () => {
        map.eachLayer((layer) => { if (online.has(layer)) { map.removeLayer(layer); } });
        map.addLayer(offline);
      });
      root.appendChild(back);
      return root;
    });
  };
  return {show, hide};
}

/* A TileJSON's tile layer: raster tiles, or vector tiles (pbf) styled by their layers' names. */
function tileJsonLayer(tj, title) {
  const opts = {attribution: tj.attribution || title, maxZoom: 22, minZoom: tj.minzoom || 0,
                maxNativeZoom: tj.maxzoom === undefined ? 18 : tj.maxzoom};
  if (Array.isArray(tj.bounds) && tj.bounds.length === 4) { opts.bounds = bounds(tj.bounds); }
  if (tj.format !== "pbf") { return L.tileLayer(tj.tiles[0], opts); }
  const styleOf = (name) => {
    if (/water|ocean|river|lake/i.test(name)) { return {fill: true, fillColor: "#c9dcea", fillOpacity: 1, weight: 0.6, color: "#a5c3d9"}; }
    if (/road|transport|street|highway|rail/i.test(name)) { return {color: "#ffffff", weight: 1.6, opacity: 1, fill: false}; }
    if (/building/i.test(name)) { return {fill: true, fillColor: "#e0dcd3", fillOpacity: 1, weight: 0}; }
    if (/park|landcover|landuse|green|wood/i.test(name)) { return {fill: true, fillColor: "#dfead2", fillOpacity: 0.8, weight: 0}; }
    if (/boundar|admin/i.test(name)) { return {color: "#8f7fa3", weight: 1, fill: false, dashArray: "4 3"}; }
    if (/place|poi|label|name|housenumber/i.test(name)) { return []; }  // VectorGrid draws no text
    return {color: "#b9b09d", weight: 0.6, fill: true, fillColor: "#f3f1ea", fillOpacity: 0.5};
  };
  const names = (tj.vector_layers || []).map((v) => v.id);
  const styles = new Proxy(Object.fromEntries(names.map((n) => [n, styleOf(n)])), {
    get: (target, name) => (typeof name === "string" && !(name in target) ? styleOf(name) : target[name]),
  });
  return L.vectorGrid.protobuf(tj.tiles[0], L.extend(opts, {rendererFactory: L.canvas.tile, interactive: false,
                                                             vectorTileLayerStyles: styles}));
}

/* The base layers of the layer control, title -> layer (`choices`: webmap/basemaps.py basemaps; `base`: the offline
   basemap's layers and labels, the notices' words); the first is put on. */
export function basemaps(map, choices, base, lang) {
  const out = {};
  const spec = (base && base.offline) || {boundaries: [], labels: [], sea: false};
  indexPlaces(spec.labels);
  let offline = null;
  choices.forEach((choice, i) => {
    let layer = null;
    if (choice.tilejson) {
      layer = tileJsonLayer(choice.tilejson, choice.title);
    } else {
      layer = choice.url ? tiles(choice) : offlineBase(map, spec, lang);
    }
    if (!choice.url && !offline) { offline = layer; }
    basemapLayers[choice.id] = layer;
    out[choice.title] = layer;
    if (i === 0) { layer.addTo(map); }
  });
  const notice = failureNotice(map, (base && base.labels) || {}, offline);
  choices.forEach((choice) => {
    const layer = basemapLayers[choice.id];
    if (!online.has(layer)) { return; }
    const watch = (t) => { t.on("tileerror", () => { if (map.hasLayer(layer)) { notice.show(); } }); };
    if (layer.eachLayer) { layer.eachLayer(watch); } else { watch(layer); }
  });
  map.on("baselayerchange", (ev) => {
    notice.hide();
    setCrs(map, gcj02Basemaps.has(ev.layer) ? GCJ02_CRS : L.CRS.EPSG3857);
  });
  return out;
}
