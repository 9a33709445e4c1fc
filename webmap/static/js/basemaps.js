/* Basemaps: the offline one (the boundary overlays are the base; nothing is fetched) and online tiles. While a
   GCJ-02 basemap (AMap) is on, the map projects through GCJ02_CRS; data, drawings and coordinates stay WGS84. */
import {GCJ02_CRS} from "./gcj02.js";

const gcj02Basemaps = new WeakSet();  // the base layers whose tiles are GCJ-02

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
  return layer;
}

/* The base layers of the layer control, title -> layer (`choices`: webmap/basemaps.py); the first is put on. */
export function basemaps(map, choices) {
  const out = {};
  choices.forEach((choice, i) => {
    const layer = choice.url ? tiles(choice) : L.layerGroup();
    out[choice.title] = layer;
    if (i === 0) { layer.addTo(map); }
  });
  map.on("baselayerchange", (ev) => { setCrs(map, gcj02Basemaps.has(ev.layer) ? GCJ02_CRS : L.CRS.EPSG3857); });
  return out;
}
