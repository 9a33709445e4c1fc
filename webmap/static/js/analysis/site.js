/* Planner: draw a polygon or upload a GeoJSON file -> POST the site check URL (opts.urls.site) -> the report in
   the side panel, with a button that opens the printable report. */
import {append, button, el} from "../dom.js";
import {showTab} from "../layout.js";
import {apiFetch, fetchJSON, grid, nameOf, section, sidePanel, table} from "./common.js";

let analyseCurrent = null;  // the open panel's analyse(geojson), for analyseSite

function zonesSection(report, opts) {
  const labels = opts.labels;
  const box = section(labels.zones, "yiwu-site-zones");
  if (!report.zones.length) { box.appendChild(el("p", null, labels.no_zones)); return box; }
  const rows = report.zones.map((z) => [nameOf(z, opts.lang), z.overlap_km2, z.overlap_pct, z.plan_ref,
                                        opts.accuracies[z.accuracy] || z.accuracy]);
  box.appendChild(grid([labels.name, labels.overlap_km2, labels.overlap_pct, labels.plan_ref, labels.accuracy], rows));
  return box;
}

function hubsSection(report, opts) {
  const labels = opts.labels;
  const box = section(labels.hubs, "yiwu-site-hubs");
  const status = opts.values.status || {};
  const rows = report.hubs.map((h) => [nameOf(h, opts.lang), (labels.port_types || {})[h.port_type] || h.port_type,
                                       status[h.status] || h.status, h.distance_km]);
  box.appendChild(grid([labels.name, labels.port_type, labels.status, labels.distance_km], rows));
  return box;
}

function summary(report, opts) {
  const labels = opts.labels;
  const c = report.nearest_corridor;
  return table([
    [labels.area, report.area_km2, "area_km2"],
    [labels.inside_yiwu, report.inside_yiwu ? labels.yes : labels.no, "inside_yiwu"],
    c ? [labels.nearest_corridor, `${nameOf(c, opts.lang)} · ${c.distance_km} km`, "nearest_corridor"] : null,
    [labels.plan_clauses, (report.plan_clauses || []).join(" · "), "plan_clauses"],
    report.note ? [labels.note, report.note, "note"] : null,
  ], "yiwu-site-summary");
}

/* The printable report is a POST: a window opened on the click, written when the HTML arrives. */
function printButton(body, opts) {
  const print = button("yiwu-site-print", opts.labels.print);
  print.addEventListener("click", () => {
    const win = window.open("", "_blank");
    apiFetch(`${opts.urls.site}?f=html&lang=${encodeURIComponent(opts.lang)}`,
          {method: "POST", headers: {"Content-Type": "application/json"}, body})
      .then((r) => r.text())
      .then((html) => { if (win) { win.document.open(); win.document.write(html); win.document.close(); } });
  });
  return print;
}

function renderReport(target, report, body, opts) {
  target.textContent = "";
  append(target, [summary(report, opts), zonesSection(report, opts), hubsSection(report, opts),
                  printButton(body, opts)]);
  target.setAttribute("data-state", "done");
}

function showError(target, message, opts) {
  target.textContent = "";
  target.appendChild(el("div", "yiwu-a-error", `${opts.labels.error}: ${message}`));
  target.setAttribute("data-state", "error");
}

function analyse(target, body, opts) {
  showTab("analysis");  // the report is where the site check is
  target.textContent = "";
  target.appendChild(el("p", "yiwu-a-loading", opts.labels.loading));
  target.setAttribute("data-state", "loading");
  return fetchJSON(opts.urls.site, {method: "POST", headers: {"Content-Type": "application/json"}, body})
    .then((report) => { renderReport(target, report, body, opts); })
    .catch((err) => { showError(target, err.message, opts); });
}

function showUpload(map, state, data) {
  if (state.uploaded) { map.removeLayer(state.uploaded); }
  try {
    state.uploaded = L.geoJSON(data, {style: {color: "#e8590c", weight: 3, fillOpacity: 0.15}}).addTo(map);
    const bounds = state.uploaded.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 14, animate: false}); }
  } catch {
    state.uploaded = null;  // not drawable: the API says why
  }
}

/* The upload in the page language: a button that opens the browser's file chooser (whose own control would say
   "Choose File / No file chosen" in the browser's language) and the name of the file chosen. */
function uploadInput(map, target, opts, state) {
  const box = el("div", "yiwu-site-upload");
  const input = el("input");
  input.type = "file";
  input.accept = ".geojson,.json,application/geo+json,application/json";
  input.hidden = true;
  input.tabIndex = -1;
  const choose = button("yiwu-site-upload-button", opts.labels.choose_file);
  const chosen = el("span", "yiwu-site-upload-file", opts.labels.no_file);
  chosen.setAttribute("aria-live", "polite");
  choose.setAttribute("aria-describedby", "yiwu-site-upload-file");
  chosen.id = "yiwu-site-upload-file";
  choose.addEventListener("click", () => input.click());
  append(box, [el("span", "yiwu-site-upload-label", `${opts.labels.upload} `), choose, chosen, input]);
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (!file) { return; }
    chosen.textContent = file.name;
    file.text().then((text) => {
      let data;
      try { data = JSON.parse(text); } catch { showError(target, opts.labels.bad_file, opts); return; }
      showUpload(map, state, data);
      analyse(target, text, opts);
    });
    input.value = "";
  });
  return box;
}

/* The site check panel (`opts`: lang, labels, values, accuracies, urls; webmap/analysis_panels.py). */
export function sitePanel(map, opts) {
  const body = sidePanel(map, opts.labels.site_title, opts.labels, "yiwu-site-panel");
  const target = el("div", "yiwu-site-report");
  const state = {};
  append(body, [el("p", "yiwu-a-hint", opts.labels.site_hint), uploadInput(map, target, opts, state), target]);
  map.on("pm:create", (ev) => {
    if (!(ev.layer instanceof L.Polygon) || ev.layer.options.yiwuEdit) { return; }  // a feature being added
    const run = () => { analyse(target, JSON.stringify(ev.layer.toGeoJSON()), opts); };
    ev.layer.on("pm:edit", run);
    run();
  });
  analyseCurrent = (geojson) => analyse(target, JSON.stringify(geojson), opts);
}

/* Check a GeoJSON geometry or Feature in the open site panel (as a drawn or uploaded site is). */
export function analyseSite(geojson) {
  if (!analyseCurrent) { throw new Error("no site panel on this page"); }
  return analyseCurrent(geojson);
}
