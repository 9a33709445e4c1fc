/* Entry module of the printable site report (POST /analysis/site?f=html): the screen's map of the site, the zones it
   touches in their layers' catalog colours and the city/county outlines (the page's JSON data block #report-data;
   the printed page shows the static SVG map instead), the print button and the PDF download (the site posted to
   ?f=pdf). No global. */
import {metricScale, pathStyle} from "./pathstyle.js";

const data = JSON.parse(document.getElementById("report-data").textContent);
const map = L.map("map");
data.base.forEach((base) => {
  L.geoJSON(base.data, {interactive: false, style: () => ({...pathStyle(base.style), fill: false})}).addTo(map);
});
data.layers.forEach((layer) => {
  L.geoJSON(layer.data, {style: () => pathStyle(layer.style)})
    .bindTooltip((l) => `${layer.title}: ${l.feature.properties[data.name_key] || l.feature.properties.name_zh || ""}`)
    .addTo(map);
});
const siteLayer = L.geoJSON(data.site, {style: {...pathStyle(data.site_style), weight: 3},
                                        pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 7})}).addTo(map);
map.fitBounds(siteLayer.getBounds().pad(0.5), {maxZoom: 15});
metricScale(map);
const button = document.getElementById("print-report");
if (button) { button.addEventListener("click", () => { window.print(); }); }

/* The same report as an A4 PDF: the site posted again to ?f=pdf, the answer saved under the name it gives. */
const pdfButton = document.getElementById("pdf-report");
if (pdfButton) {
  pdfButton.addEventListener("click", async () => {
    pdfButton.disabled = true;
    try {
      const headers = {"Content-Type": "application/json"};
      const csrf = document.querySelector('meta[name="csrf-token"]');
      if (csrf && csrf.content) { headers["X-CSRF-Token"] = csrf.content; }  // a signed-in session's posts carry it
      const resp = await fetch(data.pdf_url, {method: "POST", headers, body: JSON.stringify(data.site)});
      if (!resp.ok) { throw new Error(`${resp.status}`); }
      const name = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await resp.blob());
      link.download = name ? name[1] : "site-report.pdf";
      link.click();
      URL.revokeObjectURL(link.href);
    } finally {
      pdfButton.disabled = false;
    }
  });
}
