/* Name labels of the offline basemap: the boundary layers' features (countries, province, counties, the city) and
   the layers of role `place` (towns, subdistricts), each at a point inside it (webmap/basemaps.py), in the page
   language. A kind of label shows over a range of zooms; where labels would collide, the more local one wins.
   Labels never take a click (their pane lets the pointer through). The same names are the search's places. */
import {el} from "./dom.js";

const PANE = "yiwuLabels";
// zoom ranges by kind (countries by size: the largest first)
const ZOOMS = {country: [2, 7], province: [5, 9], county: [8, 13], city: [8, 13], place: [10, 22]};
const PRIORITY = {place: 0, city: 1, county: 2, province: 3, country: 4};
const FONT_PX = {country: 11, province: 12, county: 12, city: 13, place: 12};

export const places = [];  // every label: {id, layer, kind, title, zh, en, lat, lon, area}

/* Index the labels of the offline basemap (`specs`: [{layer, kind, title, points}]) for the labels and the search. */
export function indexPlaces(specs) {
  places.length = 0;
  specs.forEach((spec) => {
    spec.points.forEach((p) => {
      places.push({id: p.id, layer: spec.layer, kind: spec.kind, title: spec.title, zh: p.zh, en: p.en || p.zh,
                   lat: p.lat, lon: p.lon, area: p.area || 0});
    });
  });
  return places;
}

function minZoom(label) {
  if (label.kind !== "country") { return (ZOOMS[label.kind] || [8, 22])[0]; }
  if (label.area > 1500000) { return 2; }
  if (label.area > 250000) { return 3; }
  return label.area > 40000 ? 4 : 5;
}

function shows(label, zoom) {
  return zoom >= minZoom(label) && zoom <= (ZOOMS[label.kind] || [8, 22])[1];
}

function textOf(label, lang) {
  return lang === "en" ? label.en : label.zh;
}

function box(map, label, lang) {
  const p = map.latLngToContainerPoint([label.lat, label.lon]);
  const px = FONT_PX[label.kind] || 12;
  const text = textOf(label, lang);
  const width = Array.from(text).reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? px : px * 0.58), 0) + 6;
  return {x0: p.x - width / 2, x1: p.x + width / 2, y0: p.y - px * 0.75, y1: p.y + px * 0.75};
}

function overlaps(a, b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

function marker(label, lang) {
  const text = el("span", "yiwu-label-text", textOf(label, lang));
  const icon = L.divIcon({className: `yiwu-label yiwu-label-${label.kind}`, html: text, iconSize: null});
  const m = L.marker([label.lat, label.lon], {icon, interactive: false, keyboard: false, pane: PANE});
  m.yiwuLabel = label;
  return m;
}

/* The labels as a layer of the offline basemap, placed again after every move. */
export function labelLayer(map, lang) {
  const group = L.layerGroup();
  const markers = new Map();  // label -> marker
  function place() {
    const zoom = map.getZoom();
    const size = map.getSize();
    const view = {x0: -40, y0: -20, x1: size.x + 40, y1: size.y + 20};
    const taken = [];
    const wanted = new Set();
    places.filter((label) => shows(label, zoom))
      .sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || b.area - a.area)
      .forEach((label) => {
        const b = box(map, label, lang);
        if (!overlaps(b, view) || taken.some((t) => overlaps(t, b))) { return; }
        taken.push(b);
        wanted.add(label);
      });
    markers.forEach((m, label) => {
      if (!wanted.has(label)) { group.removeLayer(m); markers.delete(label); }
    });
    wanted.forEach((label) => {
      if (!markers.has(label)) { markers.set(label, marker(label, lang)); group.addLayer(markers.get(label)); }
    });
  }
  group.on("add", () => {
    map.on("zoomend moveend resize", place);
    place();
  });
  group.on("remove", () => { map.off("zoomend moveend resize", place); });
  return group;
}
