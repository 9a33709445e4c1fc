/* Draw point/line/polygon (leaflet-geoman, opt-in: our overlays stay out of the draw/edit tools), each shape
   labelled with its geodesic length or area, and the drawings downloaded as GeoJSON. */
import {button, control, el} from "../dom.js";

const R = 6378137;

if (L.PM) { L.PM.setOptIn(true); }  // before the map is made (folium's script runs after this module)

/* Geodesic area (m²) of a ring of LatLngs on the WGS84 sphere of radius R. */
export function geodesicArea(latlngs) {
  const d2r = Math.PI / 180;
  const n = latlngs.length;
  let area = 0;
  for (let i = 0; i < n; i++) {
    const p1 = latlngs[i];
    const p2 = latlngs[(i + 1) % n];
    area += (p2.lng - p1.lng) * d2r * (2 + Math.sin(p1.lat * d2r) + Math.sin(p2.lat * d2r));
  }
  return Math.abs(area * R * R / 2);
}

function pathLength(latlngs) {
  let total = 0;
  for (let i = 1; i < latlngs.length; i++) { total += latlngs[i - 1].distanceTo(latlngs[i]); }
  return total;
}

function measure(layer) {
  if (layer instanceof L.Polygon) { return {area_m2: geodesicArea(layer.getLatLngs()[0])}; }
  if (layer instanceof L.Polyline) { return {length_m: pathLength(layer.getLatLngs())}; }
  return {};
}

function measureText(m, labels) {
  if (m.area_m2 !== undefined) { return `${labels.area}: ${(m.area_m2 / 1e6).toFixed(3)} km²`; }
  if (m.length_m !== undefined) { return `${labels.length}: ${(m.length_m / 1000).toFixed(3)} km`; }
  return null;
}

function labelDrawn(layer, labels) {
  const text = measureText(measure(layer), labels);
  if (text) { layer.bindTooltip(el("span", null, text), {permanent: true, direction: "center"}).openTooltip(); }
}

/* The drawn shapes as a FeatureCollection, each with its length_m or area_m2. */
export function drawingGeoJSON(group) {
  const features = group.getLayers().map((layer) => {
    const f = layer.toGeoJSON();
    f.properties = L.extend({}, measure(layer));
    return f;
  });
  return {type: "FeatureCollection", features};
}

function download(group, filename) {
  const blob = new Blob([JSON.stringify(drawingGeoJSON(group))], {type: "application/geo+json"});
  const a = el("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
}

/* The draw toolbar and the download button; returns the group that holds the drawings. The map is opted in to
   geoman by its option pmIgnore: false (webmap/elements.py OfflineMap). */
export function drawTools(map, opts) {
  const group = L.featureGroup().addTo(map);
  map.pm.setLang(opts.lang === "en" ? "en" : "zh");
  map.pm.setGlobalOptions({layerGroup: group, pmIgnore: false});
  map.pm.addControls({position: "topleft", drawCircle: false, drawCircleMarker: false, drawRectangle: false,
                      drawText: false, cutPolygon: false, rotateMode: false, dragMode: false});
  map.on("pm:create", (ev) => {
    if (ev.layer.options.yiwuEdit) { return; }  // a feature drawn to add to a layer (editing/), not a drawing
    ev.layer.options.pmIgnore = false;
    L.PM.reInitLayer(ev.layer);
    labelDrawn(ev.layer, opts.labels);
    ev.layer.on("pm:edit", () => { ev.layer.unbindTooltip(); labelDrawn(ev.layer, opts.labels); });
  });
  nameToolbarButtons(map);
  control(map, "topleft", () => {
    const save = button("yiwu-download", "↓", opts.labels.download);
    save.addEventListener("click", () => { download(group, "yiwu-drawing.geojson"); });
    const root = el("div", "leaflet-bar yiwu-download-bar");
    root.appendChild(save);
    return root;
  });
  return group;
}

/* geoman's toolbar buttons are links with an icon and the name only as their box's title: name each link itself
   (in the page language geoman was set to), so a screen reader says what it does. */
function nameToolbarButtons(map) {
  const bar = map.getContainer().querySelectorAll(".leaflet-pm-toolbar .button-container[title]");
  bar.forEach((box) => {
    const link = box.querySelector(".leaflet-buttons-control-button");
    if (link) { link.setAttribute("aria-label", box.getAttribute("title")); }
  });
}
