/* Entry module of the OGC items page (/collections/{id}/items?f=html): a map of the page's features (the JSON
   data block #feature-data) with popups written as text. Sets the page's one global:
   window.YiwuMap (frozen) = {map: the L.Map, items: the L.GeoJSON of the features}. */
import {popup} from "./popup.js";

const LABELS = {fields: {}, schematic_note: "schematic", plan: "Plan", accuracy: "accuracy", accuracies: {},
                source: "source"};

const data = JSON.parse(document.getElementById("feature-data").textContent);
const map = L.map("map");
const items = L.geoJSON(data, {
  pointToLayer: (f, latlng) => L.circleMarker(latlng, {radius: 6}),
  onEachFeature(f, layer) {
    const props = f.properties || {};
    layer.bindPopup(() => popup(props, {title_field: "name_zh", fields: Object.keys(props), labels: LABELS}));
  },
}).addTo(map);
const bounds = items.getBounds();
if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 12}); } else { map.setView([29.3, 120.07], 9); }

window.YiwuMap = Object.freeze({map, items});
