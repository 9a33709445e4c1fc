/* The map of an OGC items page: the page's features (JSON data block) with popups written as text. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("feature-data").textContent);
  var map = L.map("map");
  var labels = {fields: {}, schematic_note: "schematic", plan: "Plan", accuracy: "accuracy",
                accuracies: {}, source: "source"};
  var layer = L.geoJSON(data, {
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 6}); },
    onEachFeature: function (f, lyr) {
      var props = f.properties || {};
      lyr.bindPopup(function () {
        return window.YiwuMap.popup(props, {title_field: "name_zh", fields: Object.keys(props), labels: labels});
      });
    }
  }).addTo(map);
  window.OgcItems = {map: map, layer: layer};
  var bounds = layer.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 12}); } else { map.setView([29.3, 120.07], 9); }
})();
