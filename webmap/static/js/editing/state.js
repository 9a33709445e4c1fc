/* The editing's shared state and helpers: the map, the options (webmap/editing.py editing_options), the panel's
   areas, the edit under way, the URLs of a layer, reading a feature with its ETag, the layer's queryables, the
   status line, and redrawing a layer after a write (its GeoJSON fetched again, or its vector tiles under a new
   URL so no tile the browser or Leaflet holds is shown again). */
import {button} from "../dom.js";
import {apiFetch} from "../analysis/common.js";
import {featureGroups, featureName, layerOptions, layers, track} from "../layers.js";

export const GEOJSON = "application/geo+json";
const NAME_FIELDS = ["名称", "name", "Name", "NAME", "mc", "MC"];  // what imported layers call a feature's name

/* map, opts, area (where the form goes), status (the live status line), home (focused when an edit ends),
   current (the edit under way), actions ({edit, add, save, remove, history}: set by index.js). */
export const ctx = {map: null, opts: null, area: null, status: null, home: null, current: null, actions: {},
                    queryables: {}};

export function words() {
  return ctx.opts.labels;
}

/* A URL of a layer's editing (`key`: items, create, item, history, queryables), with the feature id filled in. */
export function url(layerId, key, featureId) {
  const template = ctx.opts.layers[layerId][key];
  return featureId === undefined ? template : template.replace("{id}", encodeURIComponent(featureId));
}

/* Say what happened in the status line (`kind`: "error" marks it). */
export function say(text, kind) {
  ctx.status.textContent = text || "";
  ctx.status.classList.toggle("yiwu-edit-error", kind === "error");
}

/* A feature's name for people: its name field, else the layer's title and its id. */
export function nameOf(layerId, featureId, props) {
  const opts = layerOptions(layerId) || {popup: {title_field: "name_zh"}};
  const found = NAME_FIELDS.find((field) => props && props[field]);
  const own = featureName(props || {}, opts.popup.title_field) || (found ? props[found] : "");
  return own ? String(own) : `${ctx.opts.layers[layerId].title} · ${featureId}`;
}

/* The API's description of a failed answer. */
export function errorText(response) {
  return response.text().then((text) => {
    try { return JSON.parse(text).description || `HTTP ${response.status}`; } catch {
      return `HTTP ${response.status}`;  // not JSON (a proxy's page): the status says enough
    }
  });
}

/* A feature as stored now, and its ETag: {feature, etag}. */
export function readFeature(layerId, featureId) {
  return apiFetch(url(layerId, "item", featureId), {headers: {Accept: GEOJSON}, cache: "no-store"}).then((r) => {
    if (!r.ok) { return errorText(r).then((text) => { throw new Error(text); }); }
    return r.json().then((feature) => ({feature, etag: r.headers.get("ETag")}));
  });
}

/* The layer's queryables (JSON Schema of its properties), asked once. */
export function queryablesOf(layerId) {
  if (!ctx.queryables[layerId]) {
    ctx.queryables[layerId] = apiFetch(url(layerId, "queryables"), {headers: {Accept: "application/schema+json"}})
      .then((r) => {
        if (!r.ok) { throw new Error(`HTTP ${r.status}`); }
        return r.json();
      })
      .catch((err) => { delete ctx.queryables[layerId]; throw err; });
  }
  return ctx.queryables[layerId];
}

/* Draw a layer as stored now: a GeoJSON overlay's features fetched again (never from a cache), a tile overlay's
   tiles asked under a new URL. Counted among the page's pending fetches until done. */
export function refreshLayer(layerId) {
  const group = layers[layerId];
  if (!group) { return Promise.resolve(); }
  if (featureGroups()[layerId]) {
    return track(fetch(url(layerId, "items"), {headers: {Accept: GEOJSON}, cache: "no-store"})
      .then((r) => {
        if (!r.ok) { throw new Error(`HTTP ${r.status}`); }
        return r.json();
      })
      .then((data) => { group.clearLayers(); group.addData(data); group.fire("yiwu:loaded"); }));
  }
  const template = layerOptions(layerId).tiles;
  group.setUrl(`${template}${template.indexOf("?") >= 0 ? "&" : "?"}v=${Date.now()}`);
  return Promise.resolve();
}

/* A <button type="button"> with its text and click handler. */
export function actionButton(className, text, onClick) {
  const node = button(className, text);
  node.addEventListener("click", onClick);
  return node;
}
