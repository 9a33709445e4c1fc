/* Entry module of the printable site report (POST /analysis/site?f=html): a map of the site and the zones it
   touches, read from the page's JSON data block #report-data, and the print button. No global. */
const data = JSON.parse(document.getElementById("report-data").textContent);
const map = L.map("map");
L.geoJSON(data.zones, {style: {color: "#d9480f", weight: 1, fillOpacity: 0.15, dashArray: "5 4"}}).addTo(map);
const siteLayer = L.geoJSON(data.site, {style: {color: "#1864ab", weight: 3, fillOpacity: 0.25},
                                        pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 7})}).addTo(map);
map.fitBounds(siteLayer.getBounds().pad(0.5), {maxZoom: 15});
L.control.scale().addTo(map);
const button = document.getElementById("print-report");
if (button) { button.addEventListener("click", () => { window.print(); }); }
