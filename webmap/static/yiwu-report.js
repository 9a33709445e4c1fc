/* The printable site report's map: the site and the zones it touches, read from the page's JSON data block. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var map = L.map("map");
  L.geoJSON(data.zones, {style: {color: "#d9480f", weight: 1, fillOpacity: 0.15, dashArray: "5 4"}}).addTo(map);
  var siteLayer = L.geoJSON(data.site, {style: {color: "#1864ab", weight: 3, fillOpacity: 0.25},
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 7}); }}).addTo(map);
  map.fitBounds(siteLayer.getBounds().pad(0.5), {maxZoom: 15});
  L.control.scale().addTo(map);
  var button = document.getElementById("print-report");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
