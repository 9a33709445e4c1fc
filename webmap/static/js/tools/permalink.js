/* Permalink: the URL hash keeps centre, zoom, active layers and language (#map=zoom/lat/lon&layers=a,b&lang=en);
   the language switch of the header keeps the hash. */
import {layers} from "../layers.js";

export function parseHash(hash) {
  const out = {};
  String(hash || "").replace(/^#/, "").split("&").forEach((part) => {
    const i = part.indexOf("=");
    if (i > 0) { out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1)); }
  });
  return out;
}

function activeLayers(map) {
  return Object.keys(layers).filter((id) => map.hasLayer(layers[id]));
}

function currentHash(map, lang) {
  const c = map.getCenter();
  return `#map=${map.getZoom()}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}&layers=${activeLayers(map).join(",")}&lang=${lang}`;
}

function applyHash(map, state) {
  const view = (state.map || "").split("/").map(Number);
  if (view.length === 3 && view.every(isFinite)) { map.setView([view[1], view[2]], view[0], {animate: false}); }
  if (state.layers === undefined) { return; }
  const wanted = state.layers ? state.layers.split(",") : [];
  Object.keys(layers).forEach((id) => {
    if (wanted.indexOf(id) >= 0) { map.addLayer(layers[id]); } else { map.removeLayer(layers[id]); }
  });
}

function langUrl(lang, hash) {
  const params = new URLSearchParams(location.search);
  if (lang === "en") { params.set("lang", "en"); } else { params.delete("lang"); }
  const query = params.toString();
  return location.pathname + (query ? `?${query}` : "") + hash;
}

export function permalink(map, lang) {
  const state = parseHash(location.hash);
  if (state.lang && state.lang !== lang && (state.lang === "en" || state.lang === "zh")) {
    location.replace(langUrl(state.lang, location.hash));
    return;
  }
  applyHash(map, state);
  function update() {
    const hash = currentHash(map, lang);
    history.replaceState(null, "", location.pathname + location.search + hash);
    const other = lang === "en" ? "zh" : "en";
    const link = document.querySelector(".yiwu-lang");
    if (link) { link.setAttribute("href", langUrl(other, hash.replace(/lang=\w+$/, `lang=${other}`))); }
  }
  map.on("moveend zoomend", update);
  map.on("layeradd layerremove", (ev) => {  // only the overlays: the basemap's labels come and go with every move
    if (Object.values(layers).indexOf(ev.layer) >= 0) { update(); }
  });
  update();
}
