/* Entry module of the OGC items and feature pages (/collections/{id}/items?f=html, …/items/{fid}?f=html): the
   page's features (the JSON data block #feature-data: features, the layer's catalog style, the base outlines and
   the popup labels in the page language) drawn in the map's colours over the city and county outlines, with
   popups written as text. Sets the page's one global (global.js):
   window.YiwuMap (frozen) = {map: the L.Map, items: the L.GeoJSON of the features}. */
import {publish} from "./global.js";
import {metricScale, pathStyle} from "./pathstyle.js";
import {popup} from "./popup.js";

const data = JSON.parse(document.getElementById("feature-data").textContent);

const map = L.map("map");
(data.base || []).forEach((base) => {
  L.geoJSON(base.data, {interactive: false, style: () => ({...pathStyle(base.style), fill: false})}).addTo(map);
});
const items = L.geoJSON(data.features, {
  style: (f) => pathStyle(data.style, f.properties),
  pointToLayer: (f, latlng) => L.circleMarker(latlng, {...pathStyle(data.style, f.properties),
                                                       radius: data.style.radius || 6, fillOpacity: 0.8}),
  onEachFeature(f, layer) {
    const props = f.properties || {};
    layer.bindPopup(() => popup(props, data.popup));
  },
}).addTo(map);
const bounds = items.getBounds();
if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 12}); } else { map.setView([29.3, 120.07], 9); }
metricScale(map);

publish({map, items});
