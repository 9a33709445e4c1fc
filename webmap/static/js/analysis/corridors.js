/* Logistics: the corridor popup gains the metrics of GET opts.urls.metrics ({id}: the corridor's feature id),
   fetched when it first opens, and an elevation profile of the China part drawn as a small inline SVG. */
import {append, el} from "../dom.js";
import {layers} from "../layers.js";
import {fetchJSON, nameOf, table} from "./common.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 320;
const H = 120;
const PAD = {l: 44, r: 8, t: 8, b: 22};

function svgNode(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  Object.keys(attrs).forEach((k) => { node.setAttribute(k, attrs[k]); });
  if (text !== undefined) { node.textContent = String(text); }
  return node;
}

function scales(points) {
  const elev = points.map((p) => p.elevation_m);
  const lo = Math.min(...elev);
  const hi = Math.max(...elev);
  const maxD = points[points.length - 1].distance_km || 1;
  const span = hi - lo || 1;
  return {lo, hi, maxD,
          x: (d) => PAD.l + (W - PAD.l - PAD.r) * d / maxD,
          y: (e) => H - PAD.b - (H - PAD.t - PAD.b) * (e - lo) / span};
}

function profileSvg(points, labels) {
  const s = scales(points);
  const svg = svgNode("svg", {"class": "yiwu-profile", viewBox: `0 0 ${W} ${H}`, width: W, height: H,
                              role: "img", "aria-label": labels.profile});
  const coords = points.map((p) => `${s.x(p.distance_km).toFixed(1)},${s.y(p.elevation_m).toFixed(1)}`);
  const base = s.y(s.lo).toFixed(1);
  svg.appendChild(svgNode("polygon", {"class": "yiwu-profile-area",
    points: `${PAD.l},${base} ${coords.join(" ")} ${s.x(s.maxD).toFixed(1)},${base}`}));
  svg.appendChild(svgNode("polyline", {"class": "yiwu-profile-line", points: coords.join(" ")}));
  svg.appendChild(svgNode("text", {x: PAD.l - 4, y: s.y(s.hi) + 4, "text-anchor": "end"}, `${Math.round(s.hi)} m`));
  svg.appendChild(svgNode("text", {x: PAD.l - 4, y: s.y(s.lo), "text-anchor": "end"}, `${Math.round(s.lo)} m`));
  svg.appendChild(svgNode("text", {x: PAD.l, y: H - 6}, "0"));
  svg.appendChild(svgNode("text", {x: W - PAD.r, y: H - 6, "text-anchor": "end"}, `${Math.round(s.maxD)} km`));
  return svg;
}

function countriesList(m, lang) {
  const list = el("ol", "yiwu-metrics-countries");
  m.countries.forEach((c) => {
    const item = el("li", null, `${nameOf(c, lang)} · ${c.km} km`);
    item.setAttribute("data-iso3", c.iso3);
    list.appendChild(item);
  });
  return list;
}

function metricsRows(m, opts) {
  const labels = opts.labels;
  const diff = m.difference_km === null ? null : `${m.difference_km} km (${m.difference_pct}%)`;
  return [[labels.length, m.length_km, "length_km"],
          [labels.published_length, m.published_length_km, "published_length_km"],
          [labels.difference, diff, "difference"], [labels.border_crossing, m.border_crossing, "border_crossing"],
          [labels.transit_days, `${m.transit_days} (${labels.speed.replace("{speed}", m.speed_kmh)})`, "transit_days"]];
}

function fillMetrics(box, m, opts) {
  box.textContent = "";
  append(box, [el("div", "yiwu-metrics-title", opts.labels.metrics), table(metricsRows(m, opts)),
               el("div", "yiwu-metrics-sub", opts.labels.countries), countriesList(m, opts.lang)]);
  const points = m.elevation_profile || [];
  if (points.length > 1) {
    append(box, [el("div", "yiwu-metrics-sub", opts.labels.profile), profileSvg(points, opts.labels)]);
  }
  box.setAttribute("data-state", "done");
}

function attachMetrics(map, popup, feature, opts) {
  const root = popup.getElement() && popup.getElement().querySelector(".yiwu-popup");
  if (!root || !feature || root.querySelector(".yiwu-metrics")) { return; }
  popup.options.maxHeight = Math.max(200, Math.min(460, map.getSize().y - 120));  // the long popup scrolls
  const box = el("div", "yiwu-metrics");
  box.appendChild(el("p", "yiwu-a-loading", opts.labels.loading));
  root.appendChild(box);
  popup.setContent(root);  // keeps the element (and the metrics) for the next opening
  fetchJSON(opts.urls.metrics.replace("{id}", encodeURIComponent(feature.id)))
    .then((m) => { fillMetrics(box, m, opts); })
    .catch((err) => {
      box.textContent = `${opts.labels.error}: ${err.message}`;
      box.setAttribute("data-state", "error");
    })
    .then(() => { if (popup.isOpen()) { popup.update(); } });
}

/* The corridor layers' popups gain the metrics (`opts`: lang, labels, urls, corridor_layers — the catalog's
   layers of role corridor; webmap/analysis_panels.py). */
export function corridorMetrics(map, opts) {
  (opts.corridor_layers || []).forEach((id) => {
    const group = layers[id];
    if (group) { group.on("popupopen", (ev) => { attachMetrics(map, ev.popup, ev.layer && ev.layer.feature, opts); }); }
  });
}
