/* Vector overlays: style from the catalog options, tooltips as text, features embedded or fetched from the data
   API. Every overlay is registered in `layers` under its catalog id (search, legend, permalink, time slider, swipe,
   hit-testing, analysis panels and the tests find it there) and its options in `layerOptions`. A click does not open
   a popup by itself: the page's hit-testing (hits.js) decides which feature the pointer meant. Layers of a base
   role (boundaries) take no hover and no pointer cursor. */
import {el} from "./dom.js";
import {classColor, featureColors} from "./pathstyle.js";

export const layers = {};  // catalog id -> L.GeoJSON, filled by geojsonLayer()
const options = {};  // catalog id -> the layer's options (webmap/build.py layer_options)
let pending = 0;  // fetches under way

/* Register an overlay of catalog layer `opts.id` (the vector-tile layers register themselves here too). */
export function register(layer, opts) {
  layers[opts.id] = layer;
  options[opts.id] = opts;
  return layer;
}

/* The options a catalog layer was made with (style, role, title, popup). */
export function layerOptions(id) {
  return options[id];
}

/* The overlays whose features are in the page (GeoJSON), by catalog id: search, the time slider, swipe, the
   hit-testing and the panels walk them. Tile overlays (vectortiles.js) hold no features to walk. */
export function featureGroups() {
  return Object.fromEntries(Object.entries(layers).filter(([, group]) => typeof group.eachLayer === "function"));
}

/* How many layer fetches are under way (0 once every layer on at load has its features, and the basemaps the
   page asks the server about have answered). */
export function pendingLoads() {
  return pending;
}

/* Count a fetch of the page's set-up among the pending ones until it settles. */
export function track(promise) {
  pending += 1;
  return promise.finally(() => { pending -= 1; });
}

/* The name of a feature in the page language (`titleField`: name_zh or name_en). */
export function featureName(props, titleField) {
  return String(props[titleField] || props.name_zh || props.name_en || "");
}

function styleFor(feature, style) {
  const props = feature.properties || {};
  const {color, fillColor} = featureColors(style, props);
  const out = {color, weight: style.weight || 2, opacity: 0.9, fillColor,
               fillOpacity: style.fill_opacity === undefined ? 0.3 : style.fill_opacity};
  if (style.dash_array) { out.dashArray = style.dash_array; }
  if (props.status === "planned") { out.dashArray = "6 5"; }
  if (style.radius) { out.radius = style.radius; }
  if (style.className) { out.className = style.className; }
  return out;
}

/* The colour a feature of a layer is drawn in (for the hit chooser and the corridor list). */
export function featureColor(id, props) {
  const opts = options[id];
  if (!opts) { return "#3388ff"; }
  const style = opts.style || {};
  return classColor(style, props) || featureColors(style, props).color;
}

/* An empty overlay of catalog layer `opts.id` (`opts`: id, style, role, title, base, interactive, pane, popup;
   webmap/build.py layer_options). */
export function geojsonLayer(opts) {
  const style = L.extend({className: `yiwu-f yiwu-f-${opts.id}`}, opts.style);
  const pane = opts.pane || "overlayPane";
  const interactive = opts.interactive !== false;
  const layer = L.geoJSON(null, {
    pane,
    interactive,
    style: (f) => styleFor(f, style),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {...styleFor(f, style), pane, interactive}),
    onEachFeature(f, featureLayer) {
      if (!interactive) { return; }
      const props = f.properties || {};
      featureLayer.bindTooltip(() => el("span", null, featureName(props, opts.popup.title_field)), {sticky: true});
    },
  });
  return register(layer, opts);
}

/* Fetch a layer's features from the data API; `lazy`: only when it is first switched on. Fires "yiwu:loaded". */
export function load(layer, url, lazy) {
  if (lazy) {
    layer.once("add", () => { load(layer, url, false); });
    return null;
  }
  pending += 1;
  return fetch(url, {headers: {Accept: "application/geo+json"}})
    .then((r) => {
      if (!r.ok) { throw new Error(`${url}: HTTP ${r.status}`); }
      return r.json();
    })
    .then((data) => { layer.addData(data); layer.fire("yiwu:loaded"); })
    .catch((err) => { console.error("layer not loaded", err); })
    .then(() => { pending -= 1; });
}
