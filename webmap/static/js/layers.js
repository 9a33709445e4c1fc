/* Vector overlays: style from the catalog options, popups and tooltips as text, features embedded or fetched from
   the data API. Every overlay is registered in `layers` under its catalog id (search, legend, permalink, time
   slider, swipe, analysis panels and the tests find it there). */
import {el} from "./dom.js";
import {popup} from "./popup.js";

export const layers = {};  // catalog id -> L.GeoJSON, filled by geojsonLayer()
let pending = 0;  // fetches under way

/* The overlays whose features are in the page (GeoJSON), by catalog id: search, the time slider, swipe and the
   panels walk them. Tile overlays (vectortiles.js) hold no features to walk. */
export function featureGroups() {
  return Object.fromEntries(Object.entries(layers).filter(([, group]) => typeof group.eachLayer === "function"));
}

/* How many layer fetches are under way (0 once every layer on at load has its features). */
export function pendingLoads() {
  return pending;
}

function styleFor(feature, style) {
  const props = feature.properties || {};
  let color = style.color || "#3388ff";
  if (style.class_field && style.classes && style.classes[props[style.class_field]]) {
    color = style.classes[props[style.class_field]];
  }
  const out = {color, weight: style.weight || 2, opacity: 0.9, fillColor: style.fill_color || color,
               fillOpacity: style.fill_opacity === undefined ? 0.3 : style.fill_opacity};
  if (style.dash_array) { out.dashArray = style.dash_array; }
  if (props.status === "planned") { out.dashArray = "6 5"; }
  if (style.radius) { out.radius = style.radius; }
  if (style.className) { out.className = style.className; }
  return out;
}

/* An empty overlay of catalog layer `opts.id` (`opts`: id, style, popup; webmap/build.py layer_options). */
export function geojsonLayer(opts) {
  const style = L.extend({className: `yiwu-f yiwu-f-${opts.id}`}, opts.style);
  const titleOf = (props) => props[opts.popup.title_field] || props.name_zh || "";
  const pane = opts.pane || "overlayPane";
  const layer = L.geoJSON(null, {
    pane,
    style: (f) => styleFor(f, style),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {...styleFor(f, style), pane}),
    onEachFeature(f, featureLayer) {
      const props = f.properties || {};
      featureLayer.bindPopup(() => popup(props, opts.popup), {maxWidth: 380});
      featureLayer.bindTooltip(() => el("span", null, titleOf(props)), {sticky: true});
    },
  });
  layers[opts.id] = layer;
  return layer;
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
