/* Logistics: the corridor panel. A route is picked from the list (grouped by mode) or by clicking it on the map
   (where routes overlap, the hit chooser offers each); the panel then shows its metrics first — lengths, countries
   crossed in order, border crossing, transit days (GET opts.urls.metrics, {id}: the route's feature id) and an
   elevation profile of the China part as a small inline SVG — with the waypoints and the border stops folded away,
   in the page language where the data has both. Picking from the list zooms the map to the route; the route on
   the map is marked while it is picked. */
import {append, button, el} from "../dom.js";
import {featureColor, featureGroups, featureName, layerOptions} from "../layers.js";
import {fitPadding, showTab} from "../layout.js";
import {inLanguage} from "../popup.js";
import {fetchJSON, nameOf, sidePanel, table} from "./common.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 320;
const H = 120;
const PAD = {l: 44, r: 8, t: 8, b: 22};
const MODES = ["rail", "sea-rail", "sea", "road"];
const ROUTE_MAX_ZOOM = 10;

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
  (m.countries || []).forEach((c) => {
    const item = el("li", null, `${nameOf(c, lang)} · ${c.km} km`);
    item.setAttribute("data-iso3", c.iso3);
    list.appendChild(item);
  });
  return list;
}

function metricsRows(m, opts) {
  const labels = opts.labels;
  const diff = m.difference_km === null ? null : `${m.difference_km} km (${m.difference_pct}%)`;
  const border = m.border_crossing ? inLanguage(m.border_crossing, opts.lang).text : null;
  return [[labels.length, m.length_km, "length_km"],
          [labels.published_length, m.published_length_km, "published_length_km"],
          [labels.difference, diff, "difference"], [labels.border_crossing, border, "border_crossing"],
          [labels.transit_days, `${m.transit_days} (${labels.speed.replace("{speed}", m.speed_kmh)})`, "transit_days"],
          [labels.published_days, m.published_days, "published_days"]];
}

/* A folded list (details/summary): the waypoints or the border stops. */
function folded(summary, items, className) {
  const box = el("details", `yiwu-fold ${className}`);
  box.appendChild(el("summary", null, summary));
  const list = el("ol");
  items.forEach((text) => { list.appendChild(el("li", null, text)); });
  box.appendChild(list);
  return box;
}

function stopsOf(m, lang) {
  return (m.dwell_stops || []).map((s) => {
    const label = lang === "en" ? (s.label_en || s.label_zh) : (s.label_zh || s.label_en);
    // the place only: "阿拉山口（中国出境，…） / Alashankou (China exit, …)" → 阿拉山口 | Alashankou
    const at = s.at ? inLanguage(s.at.replace(/\s*\($/, "").replace(/ \([^)]*$/, ""), lang).text.replace(/（[^（]*）$/, "") : "";
    return `${label}${at ? ` · ${at}` : ""}`
      + ` · ${s.hours} h`;
  });
}

function fillMetrics(box, m, opts) {
  box.textContent = "";
  append(box, [el("h4", "yiwu-metrics-title", opts.labels.metrics), table(metricsRows(m, opts)),
               el("div", "yiwu-metrics-sub", opts.labels.countries), countriesList(m, opts.lang)]);
  const points = m.elevation_profile || [];
  if (points.length > 1) {
    append(box, [el("div", "yiwu-metrics-sub", opts.labels.profile), profileSvg(points, opts.labels)]);
  }
  const stops = stopsOf(m, opts.lang);
  if (stops.length) { box.appendChild(folded(opts.labels.dwell_stops, stops, "yiwu-corridor-stops")); }
  box.setAttribute("data-state", "done");
}

function waypoints(props, opts) {
  const names = String(props.waypoints || "").split(/\s*→\s*/).filter(Boolean);
  if (!names.length) { return null; }
  const lang = inLanguage(props.waypoints, opts.lang);
  let summary = opts.labels.waypoints.replace("{count}", names.length);
  if (lang.other && opts.other_language) {
    summary = opts.lang === "en" ? `${summary} (${opts.other_language})` : `${summary}（${opts.other_language}）`;
  }
  return folded(summary, names, "yiwu-corridor-waypoints");
}

function routes(opts) {
  const out = [];
  (opts.corridor_layers || []).forEach((id) => {
    const group = featureGroups()[id];
    if (!group) { return; }
    group.eachLayer((f) => { if (f.feature) { out.push({id, group, layer: f, props: f.feature.properties || {}}); } });
  });
  return out;
}

class CorridorPanel {
  constructor(map, opts) {
    this.map = map;
    this.opts = opts;
    this.cache = {};
    this.selected = null;
    const body = sidePanel(map, opts.labels.corridors_title, opts.labels, "yiwu-corridor-panel");
    this.details = el("div", "yiwu-corridor-details");
    this.details.hidden = true;
    this.list = el("div", "yiwu-corridor-list");
    append(body, [el("p", "yiwu-a-hint", opts.labels.corridors_hint), this.details, this.list]);
  }

  renderList() {
    const titleField = this.opts.lang === "en" ? "name_en" : "name_zh";
    this.list.textContent = "";
    const all = routes(this.opts);
    MODES.concat(all.map((r) => r.props.mode)).filter((m, i, a) => a.indexOf(m) === i).forEach((mode) => {
      const members = all.filter((r) => r.props.mode === mode);
      if (!members.length) { return; }
      const section = el("section", "yiwu-corridor-mode");
      section.appendChild(el("h3", null, (this.opts.values.mode || {})[mode] || mode || "–"));
      const ul = el("ul");
      members.forEach((route) => {
        const pick = button("yiwu-corridor-pick");
        pick.setAttribute("data-corridor", route.layer.feature.id);
        pick.setAttribute("aria-pressed", "false");
        const swatch = el("span", "yiwu-corridor-swatch");
        swatch.style.background = featureColor(route.id, route.props);
        append(pick, [swatch, el("span", null, featureName(route.props, titleField))]);
        pick.addEventListener("click", () => { this.select(route, true); });
        const li = el("li");
        li.appendChild(pick);
        ul.appendChild(li);
      });
      section.appendChild(ul);
      this.list.appendChild(section);
    });
  }

  mark(route) {
    if (this.selected) {
      const old = this.selected.layer.getElement && this.selected.layer.getElement();
      if (old) { old.classList.remove("yiwu-route-selected"); }
    }
    this.selected = route;
    const node = route.layer.getElement && route.layer.getElement();
    if (node) { node.classList.add("yiwu-route-selected"); }
    if (route.layer.bringToFront) { route.layer.bringToFront(); }
    this.list.querySelectorAll(".yiwu-corridor-pick").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-corridor") === route.layer.feature.id));
    });
  }

  /* Show a route's metrics (`zoom`: fit the map to it too). */
  select(route, zoom) {
    const opts = this.opts;
    const id = route.layer.feature.id;
    this.mark(route);
    if (zoom) {
      if (!this.map.hasLayer(route.group)) { this.map.addLayer(route.group); }
      this.map.fitBounds(route.layer.getBounds(), L.extend({maxZoom: ROUTE_MAX_ZOOM, animate: false},
                                                          fitPadding(this.map)));
    }
    const props = route.props;
    const titleField = opts.lang === "en" ? "name_en" : "name_zh";
    const metrics = el("div", "yiwu-metrics");
    metrics.setAttribute("data-state", "loading");
    metrics.appendChild(el("p", "yiwu-a-loading", opts.labels.loading));
    const status = (opts.values.status || {})[props.status] || props.status;
    const line = [(opts.values.mode || {})[props.mode] || props.mode, status].filter(Boolean).join(" · ");
    this.details.textContent = "";
    this.details.setAttribute("data-corridor", id);
    append(this.details, [el("h3", "yiwu-corridor-title", featureName(props, titleField)),
                          el("p", "yiwu-corridor-mode-line", line), metrics, waypoints(props, opts)]);
    this.details.hidden = false;
    const done = this.cache[id] ? Promise.resolve(this.cache[id])
      : fetchJSON(opts.urls.metrics.replace("{id}", encodeURIComponent(id)));
    done.then((m) => {
      this.cache[id] = m;
      if (this.details.getAttribute("data-corridor") === id) { fillMetrics(metrics, m, opts); }
    }).catch((err) => {
      metrics.textContent = `${opts.labels.error}: ${err.message}`;
      metrics.setAttribute("data-state", "error");
    });
  }

  /* A route's popup (its content, before it opens) gains a button to its metrics in the panel. */
  popupButton(content) {
    if (content.querySelector(".yiwu-corridor-open")) { return; }
    const open = button("yiwu-corridor-open", this.opts.labels.corridor_details);
    open.addEventListener("click", () => {
      showTab("analysis");
      this.details.scrollIntoView({block: "nearest"});
    });
    content.insertBefore(open, content.children[1] || null);
  }
}

/* The corridor panel (`opts`: lang, labels, values, urls, corridor_layers — the catalog's layers of role corridor;
   webmap/analysis_panels.py). */
export function corridorMetrics(map, opts) {
  const labels = layerOptions((opts.corridor_layers || [])[0]);
  const panel = new CorridorPanel(map, L.extend({}, opts, {
    other_language: labels && labels.popup.labels.other_language}));
  (opts.corridor_layers || []).forEach((id) => {
    const group = featureGroups()[id];
    if (!group) { return; }
    group.on("yiwu:loaded", () => { panel.renderList(); });
    group.on("yiwu:content", (ev) => { panel.popupButton(ev.content); });
    group.on("yiwu:open", (ev) => {
      panel.select({id, group, layer: ev.layer, props: (ev.layer.feature && ev.layer.feature.properties) || {}},
                   false);
    });
  });
  panel.renderList();
  return panel;
}
