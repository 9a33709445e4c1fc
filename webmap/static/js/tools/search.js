/* Search, at the map's top right: plan features by name (zh or en), places — the labels of the offline basemap:
   towns and subdistricts of the layers of role `place`, counties, countries — by Chinese, pinyin or English name,
   and coordinates typed as "120.07,29.31" (lon,lat; lat,lon when only that order makes sense). Picking a result
   fits it in view with room around it, never so far in that nothing else is in view, and opens its popup. */
import {button, control, el} from "../dom.js";
import {hitTest, nameClose, openFeature} from "../hits.js";
import {places} from "../labels.js";
import {featureGroups, featureName, layerOptions} from "../layers.js";
import {fitPadding, popupOptions} from "../layout.js";

const KIND_ORDER = {feature: 0, place: 1, boundary: 2};
// the closest zoom a result is shown at: a point or a town at street-block scale, wider things wider
const MAX_ZOOM = {point: 14, line: 12, polygon: 15, place: 13, city: 11, county: 10, province: 7, country: 5,
                  coords: 13};
const CONTEXT = 3;  // what a view must hold besides the result: labels, points and areas around it
const NUMBER = "([-+]?\\d{1,3}(?:\\.\\d+)?)\\s*°?\\s*([NSEW东西南北]?)";
const COORDS = new RegExp(`^\\s*${NUMBER}\\s*[,，;；\\s]\\s*${NUMBER}\\s*$`, "i");

/* Lower case, without accents, spaces, hyphens or apostrophes ("Fótáng Town" -> "fotangtown"). */
function normal(text) {
  return String(text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[\s\-'’·•_()（）]/g, "");
}

/* Coordinates typed in the box as [lat, lng], or null: lon,lat by default; lat,lon when the first number cannot be
   a longitude's partner (only |second| > 90 makes it a longitude) or the hemisphere letters say so. */
export function parseCoordinates(text) {
  const m = COORDS.exec(String(text || ""));
  if (!m) { return null; }
  let a = Number(m[1]);
  let b = Number(m[3]);
  const ha = m[2].toUpperCase();
  const hb = m[4].toUpperCase();
  if (/[SW西南]/.test(ha)) { a = -Math.abs(a); }
  if (/[SW西南]/.test(hb)) { b = -Math.abs(b); }
  const latFirst = /[NS南北]/.test(ha) || /[EW东西]/.test(hb) || (Math.abs(a) <= 90 && Math.abs(b) > 90);
  const [lat, lng] = latFirst ? [a, b] : [b, a];
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) { return null; }
  return [lat, lng];
}

function featureIndex() {
  const out = [];
  Object.entries(featureGroups()).forEach(([id, group]) => {
    const opts = layerOptions(id) || {popup: {title_field: "name_zh"}};
    group.eachLayer((f) => {
      const p = (f.feature && f.feature.properties) || {};
      out.push({kind: "feature", id, group, layer: f, opts, fid: f.feature && f.feature.id,
                zh: String(p.name_zh || ""), en: String(p.name_en || ""), title: opts.title || "",
                name: featureName(p, opts.popup.title_field)});
    });
  });
  return out;
}

function placeIndex(lang) {
  return places.map((p) => ({kind: p.kind === "place" ? "place" : "boundary", place: p, fid: p.id, zh: p.zh,
                             en: p.en, title: p.title, name: lang === "en" ? p.en : p.zh}));
}

function score(entry, q) {
  const names = [normal(entry.zh), normal(entry.en)].filter(Boolean);
  if (names.some((n) => n === q)) { return 0; }
  if (names.some((n) => n.startsWith(q))) { return 1; }
  return names.some((n) => n.indexOf(q) >= 0) ? 2 : -1;
}

/* The features and places whose name contains `query` (best match, then features before places, then the
   shortest name first), or the typed coordinates. */
export function findFeatures(query, limit, lang) {
  const coords = parseCoordinates(query);
  if (coords) { return [{kind: "coords", latlng: L.latLng(coords[0], coords[1])}]; }
  const q = normal(query);
  if (!q) { return []; }
  const seen = new Set();
  const hits = [];
  featureIndex().concat(placeIndex(lang)).forEach((entry) => {
    const s = score(entry, q);
    if (s < 0 || (entry.fid && seen.has(entry.fid))) { return; }
    if (entry.fid) { seen.add(entry.fid); }
    hits.push({entry, s});
  });
  const shortest = (e) => Math.min(e.zh.length || 1e9, e.en.length || 1e9);
  hits.sort((a, b) => a.s - b.s || KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind]
    || shortest(a.entry) - shortest(b.entry));
  return hits.slice(0, limit || 8).map((h) => h.entry);
}

/* How many labels, points and areas (other than `self`) a view of the map at `zoom` centred on `latlng` holds —
   lines passing through do not make a view readable. */
function contextAt(map, latlng, zoom, self) {
  const half = map.getSize().divideBy(2);
  const c = map.project(latlng, zoom);
  const view = L.latLngBounds(map.unproject(c.subtract(half), zoom), map.unproject(c.add(half), zoom));
  let n = places.filter((p) => p !== self && view.contains([p.lat, p.lon])).length;
  Object.values(featureGroups()).forEach((group) => {
    if (!map.hasLayer(group)) { return; }
    group.eachLayer((f) => {
      if (f === self || (f instanceof L.Polyline && !(f instanceof L.Polygon))) { return; }
      const b = f.getBounds ? f.getBounds() : L.latLngBounds([f.getLatLng()]);
      if (view.intersects(b) && !b.contains(view)) { n += 1; }
    });
  });
  return n;
}

/* The closest zoom (at most `max`) at which the view around `latlng` holds more than the result itself. */
function contextZoom(map, latlng, max, self) {
  for (let z = max; z > 3; z--) {
    if (contextAt(map, latlng, z, self) >= CONTEXT) { return z; }
  }
  return Math.min(max, 4);
}

/* A point of a feature to open its popup at: the point itself, the middle vertex of a line, a point inside an area
   (the bounds' centre when it is inside, else a vertex-ward point found by the hit-testing). */
function anchorOf(map, f) {
  if (f.getLatLng) { return f.getLatLng(); }
  const centre = f.getBounds().getCenter();
  if (!(f instanceof L.Polygon)) {
    const flat = f.getLatLngs().flat(3);
    return flat[Math.floor(flat.length / 2)] || centre;
  }
  if (hitTest(map, centre).some((h) => h.layer === f && h.distance === 0)) { return centre; }
  const ring = f.getLatLngs().flat(2);
  return ring.reduce((best, ll) => (ll.distanceTo(centre) < best.distanceTo(centre) ? ll : best), ring[0]);
}

function showFeature(map, hit) {
  if (!map.hasLayer(hit.group)) { map.addLayer(hit.group); }
  const f = hit.layer;
  const kind = f.getLatLng ? "point" : (f instanceof L.Polygon ? "polygon" : "line");
  if (kind === "point") {
    map.setView(f.getLatLng(), contextZoom(map, f.getLatLng(), MAX_ZOOM.point, f), {animate: false});
  } else {
    map.fitBounds(f.getBounds(), L.extend({maxZoom: MAX_ZOOM[kind], animate: false}, fitPadding(map)));
  }
  openFeature(map, hit, anchorOf(map, f));
}

function showPlace(map, latlng, title, subtitle, kind, self) {
  map.setView(latlng, contextZoom(map, latlng, MAX_ZOOM[kind] || MAX_ZOOM.place, self), {animate: false});
  const box = el("div", "yiwu-popup yiwu-place-popup");
  box.appendChild(el("div", "yiwu-popup-title", title));
  if (subtitle) { box.appendChild(el("div", "yiwu-popup-meta", subtitle)); }
  nameClose(L.popup(popupOptions(map)).setLatLng(latlng).setContent(box).openOn(map));
}

function show(map, hit, opts) {
  if (hit.kind === "coords") {
    const ll = hit.latlng;
    showPlace(map, ll, opts.labels.coordinates_result.replace("{lon}", ll.lng.toFixed(5))
      .replace("{lat}", ll.lat.toFixed(5)), null, "coords", null);
  } else if (hit.kind === "feature") {
    showFeature(map, hit);
  } else {
    const p = hit.place;
    showPlace(map, L.latLng(p.lat, p.lon), hit.name, `${hit.title} · ${p.lon.toFixed(4)}, ${p.lat.toFixed(4)}`,
              p.kind, p);
  }
}

function resultText(hit, opts) {
  if (hit.kind === "coords") {
    return [opts.labels.coordinates_result.replace("{lon}", hit.latlng.lng.toFixed(5))
      .replace("{lat}", hit.latlng.lat.toFixed(5)), opts.labels.coordinates_kind];
  }
  return [hit.name || (opts.lang === "en" ? (hit.en || hit.zh) : (hit.zh || hit.en)), hit.title];
}

export function searchControl(map, opts) {
  return control(map, "topright", () => {
    const root = el("div", "yiwu-search leaflet-bar");
    root.setAttribute("role", "search");
    const input = el("input");
    input.type = "search";
    input.placeholder = opts.labels.search;
    input.setAttribute("aria-label", opts.labels.search);
    input.setAttribute("autocomplete", "off");
    const list = el("ul", "yiwu-search-results");
    list.setAttribute("aria-label", opts.labels.search_results);
    root.appendChild(input);
    root.appendChild(list);
    const pick = (hit) => { list.textContent = ""; show(map, hit, opts); };
    function render() {
      list.textContent = "";
      const hits = findFeatures(input.value, 8, opts.lang);
      if (input.value.trim() && !hits.length) { list.appendChild(el("li", "yiwu-search-none", opts.labels.no_match)); }
      hits.forEach((hit) => {
        const [name, kind] = resultText(hit, opts);
        const item = el("li");
        const choice = button("yiwu-search-hit");
        choice.appendChild(el("span", "yiwu-search-name", name));
        if (kind) { choice.appendChild(el("span", "yiwu-search-kind", kind)); }
        choice.addEventListener("click", () => { pick(hit); });
        item.appendChild(choice);
        list.appendChild(item);
      });
      return hits;
    }
    input.addEventListener("input", render);
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown") {
        const first = list.querySelector("button");
        if (first) { ev.preventDefault(); first.focus(); }
        return;
      }
      if (ev.key === "Escape") { list.textContent = ""; return; }
      if (ev.key !== "Enter") { return; }
      const hits = render();
      if (hits.length) { pick(hits[0]); }
    });
    list.addEventListener("keydown", (ev) => {
      const buttons = Array.from(list.querySelectorAll("button"));
      const i = buttons.indexOf(document.activeElement);
      if (ev.key === "ArrowDown" && i < buttons.length - 1) { ev.preventDefault(); buttons[i + 1].focus(); }
      if (ev.key === "ArrowUp") { ev.preventDefault(); (i > 0 ? buttons[i - 1] : input).focus(); }
    });
    return root;
  });
}
