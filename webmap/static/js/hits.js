/* Hit-testing that follows what people see. A click (or tap) is resolved once, after every layer has had it: the
   features under the pointer are found geometrically in every overlay on the map — points within their radius,
   lines within a few pixels, areas containing the pointer — and the vector-tile layers report theirs (reportHit).
   What is drawn on top wins: points over lines over areas, and base layers (boundaries) only where no other feature
   is under the pointer; one feature opens its popup; several of the same kind (overlapping areas, routes sharing a
   trunk, points close together) open a small chooser listing them, and the chosen feature's popup follows. Popups are sized and panned
   to stay clear of the map's controls (layout.js popupOptions); the feature of the open popup is marked. */
import {button, el} from "./dom.js";
import {featureColor, featureGroups, featureName, layerOptions} from "./layers.js";
import {popupOptions} from "./layout.js";
import {popup} from "./popup.js";
import {hiddenBySwipe} from "./tools/swipe.js";

const TOLERANCE = {mouse: 6, touch: 12};  // px around lines and points
const TIERS = {point: 0, line: 1, polygon: 2};
let pending = null;  // the click being resolved: {latlng, extra: [tile hits]}
let labels = {chooser: "{count}"};

function tolerance() {
  return window.matchMedia("(pointer: coarse)").matches ? TOLERANCE.touch : TOLERANCE.mouse;
}

function segmentDistance(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
  return Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
}

function ringInfo(p, ring, closed) {
  let inside = false;
  let near = Infinity;
  let area = 0;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (i > 0 || closed) {
      near = Math.min(near, segmentDistance(p, a, b));
      if ((a.y > p.y) !== (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) { inside = !inside; }
      area += (b.x - a.x) * (b.y + a.y);
    }
  }
  return {inside, near, area: Math.abs(area / 2)};
}

/* The parts of a path as lists of rings of layer points (a polygon's rings, or a line's parts). */
function parts(map, latlngs) {
  if (!latlngs.length) { return []; }
  if (L.LineUtil.isFlat(latlngs)) { return [[latlngs.map((ll) => map.latLngToLayerPoint(ll))]]; }
  if (L.LineUtil.isFlat(latlngs[0])) { return [latlngs.map((ring) => ring.map((ll) => map.latLngToLayerPoint(ll)))]; }
  return latlngs.flatMap((part) => parts(map, part));
}

function nearBounds(map, layer, p, tol) {
  const b = layer.getBounds();
  if (!b.isValid()) { return false; }
  const nw = map.latLngToLayerPoint(b.getNorthWest());
  const se = map.latLngToLayerPoint(b.getSouthEast());
  return p.x >= Math.min(nw.x, se.x) - tol && p.x <= Math.max(nw.x, se.x) + tol
    && p.y >= Math.min(nw.y, se.y) - tol && p.y <= Math.max(nw.y, se.y) + tol;
}

/* Whether a feature is under layer point `p`: {tier, size, distance} or null. */
function testFeature(map, f, p, tol) {
  if (f instanceof L.CircleMarker) {
    const d = map.latLngToLayerPoint(f.getLatLng()).distanceTo(p);
    return d <= f.getRadius() + tol ? {tier: TIERS.point, size: 0, distance: d} : null;
  }
  if (!(f instanceof L.Polyline) || !nearBounds(map, f, p, tol)) { return null; }
  const polygon = f instanceof L.Polygon;
  let inside = false;
  let near = Infinity;
  let size = 0;
  parts(map, f.getLatLngs()).forEach((rings) => {
    let inPart = false;
    rings.forEach((ring, i) => {
      const info = ringInfo(p, ring, polygon);
      if (polygon && info.inside) { inPart = !inPart; }
      near = Math.min(near, info.near);
      if (i === 0) { size += info.area; }
    });
    inside = inside || inPart;
  });
  if (polygon && (inside || near <= tol)) { return {tier: TIERS.polygon, size, distance: inside ? 0 : near}; }
  if (!polygon && near <= tol) { return {tier: TIERS.line, size: 0, distance: near}; }
  return null;
}

/* The features of the page's GeoJSON overlays under a map position, each {id, group, layer, opts, props, name,
   base, tier, size, distance}, the nearest and smallest first. */
export function hitTest(map, latlng) {
  const p = map.latLngToLayerPoint(latlng);
  const at = map.latLngToContainerPoint(latlng);
  const tol = tolerance();
  const hits = [];
  Object.entries(featureGroups()).forEach(([id, group]) => {
    if (!map.hasLayer(group) || hiddenBySwipe(map, group, at)) { return; }
    const opts = layerOptions(id) || {popup: {title_field: "name_zh"}};
    group.eachLayer((f) => {
      const hit = testFeature(map, f, p, tol);
      if (!hit) { return; }
      const props = (f.feature && f.feature.properties) || {};
      hits.push(L.extend(hit, {id, group, layer: f, opts, props, base: Boolean(opts.base),
                               name: featureName(props, opts.popup.title_field)}));
    });
  });
  return hits.sort((a, b) => a.tier - b.tier || a.size - b.size || a.distance - b.distance);
}

/* The popup's close button named in the page language. */
export function nameClose(shown) {
  const close = shown.getElement() && shown.getElement().querySelector(".leaflet-popup-close-button");
  if (close && labels.close) {
    close.setAttribute("aria-label", labels.close);
    close.title = labels.close;
  }
  return shown;
}

function markSelected(map, layer, shown) {
  const node = layer.getElement && layer.getElement();
  if (!node) { return; }
  node.classList.add("yiwu-selected");
  shown.once("remove", () => { node.classList.remove("yiwu-selected"); });
}

/* Open the popup of a GeoJSON feature (a hit, or {id, group, layer}) at `latlng` (a point: at the point). The
   feature's overlay fires "yiwu:content" {layer, content} before the popup opens (to add to it) and "yiwu:open"
   {layer, popup} once it is open (the corridor panel follows both). */
export function openFeature(map, hit, latlng) {
  const opts = hit.opts || layerOptions(hit.id);
  const props = (hit.layer.feature && hit.layer.feature.properties) || {};
  const where = hit.layer.getLatLng ? hit.layer.getLatLng() : latlng;
  const content = popup(props, opts.popup);
  hit.group.fire("yiwu:content", {layer: hit.layer, content});
  const shown = L.popup(popupOptions(map)).setLatLng(where).setContent(content).openOn(map);
  nameClose(shown);
  markSelected(map, hit.layer, shown);
  hit.group.fire("yiwu:open", {layer: hit.layer, popup: shown});
  return shown;
}

function openHit(map, hit, latlng) {
  if (hit.open) { return hit.open(latlng); }
  return openFeature(map, hit, latlng);
}

function chooser(map, latlng, hits) {
  const box = el("div", "yiwu-chooser");
  box.appendChild(el("div", "yiwu-chooser-title", labels.chooser.replace("{count}", hits.length)));
  const list = el("ul", "yiwu-chooser-list");
  const oneLayer = hits.every((h) => h.id === hits[0].id);  // then the layer's name would only repeat
  hits.forEach((hit) => {
    const item = button("yiwu-chooser-item");
    const swatch = el("span", `yiwu-chooser-swatch yiwu-chooser-${hit.tier === 1 ? "line" : "area"}`);
    swatch.style.background = hit.color || featureColor(hit.id, hit.props);
    item.setAttribute("data-layer", hit.id);
    const text = el("span", "yiwu-chooser-text");
    text.appendChild(el("span", "yiwu-chooser-name", hit.name));
    if (!oneLayer) { text.appendChild(el("span", "yiwu-chooser-layer", (hit.opts && hit.opts.title) || hit.id)); }
    item.appendChild(swatch);
    item.appendChild(text);
    item.addEventListener("click", () => { openHit(map, hit, latlng); });
    const li = el("li");
    li.appendChild(item);
    list.appendChild(li);
  });
  box.appendChild(list);
  return nameClose(L.popup(popupOptions(map, {className: "yiwu-chooser-popup"})).setLatLng(latlng).setContent(box)
    .openOn(map));
}

function drawing(map) {
  const pm = map.pm;
  return Boolean(pm && (pm.globalDrawModeEnabled() || pm.globalEditModeEnabled() || pm.globalRemovalModeEnabled()
    || pm.globalCutModeEnabled()));
}

function resolve(map, click) {
  if (drawing(map)) { return; }
  const hits = hitTest(map, click.latlng).concat(click.extra);
  const top = Math.min(...hits.filter((h) => !h.base).map((h) => h.tier));
  const plan = hits.filter((h) => !h.base && h.tier === top);
  if (plan.length === 1) { openHit(map, plan[0], click.latlng); return; }
  if (plan.length > 1) { chooser(map, click.latlng, plan); return; }
  const base = hits.filter((h) => h.base).sort((a, b) => a.size - b.size);
  if (base.length) { openHit(map, base[0], click.latlng); }
}

function schedule(map, latlng) {
  if (!pending) {
    pending = {latlng, extra: []};
    setTimeout(() => {
      const click = pending;
      pending = null;
      resolve(map, click);
    }, 0);
  }
  return pending;
}

/* A feature of a vector-tile layer under a click ({id, name, opts, tier, size, open(latlng)}). */
export function reportHit(map, hit, latlng) {
  schedule(map, latlng).extra.push(L.extend({tier: TIERS.polygon, size: 0, distance: 0, base: false}, hit));
}

/* Resolve every click on the map (`words`: the chooser's title, with {count}; close: the popups' close button). */
export function clickHandling(map, words) {
  labels = L.extend({}, labels, words);
  map.on("click", (ev) => { schedule(map, ev.latlng); });
}
