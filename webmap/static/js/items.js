/* Entry module of the OGC items and feature pages (/collections/{id}/items?f=html, …/items/{fid}?f=html): the
   page's features (the JSON data block #feature-data: features, the layer's catalog style, the base outlines and
   the popup labels in the page language) drawn in the map's colours over the city and county outlines, with
   popups written as text. Sets the page's one global:
   window.YiwuMap (frozen) = {map: the L.Map, items: the L.GeoJSON of the features}. */
import {popup} from "./popup.js";

const data = JSON.parse(document.getElementById("feature-data").textContent);

/* Leaflet path options of a catalog style (webmap/build.py's keys), coloured by class where the style has classes. */
function pathStyle(style, props) {
  const klass = style.class_field && style.classes ? style.classes[(props || {})[style.class_field]] : null;
  const color = klass || style.color || "#3388ff";
  return {color, weight: style.weight || 2, dashArray: style.dash_array || null,
          fillColor: klass || style.fill_color || color,
          fillOpacity: style.fill_opacity === undefined ? 0.2 : style.fill_opacity};
}

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
L.control.scale().addTo(map);

window.YiwuMap = Object.freeze({map, items});
