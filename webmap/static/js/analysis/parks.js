/* Investor: park cards (GET opts.urls.parks), an industry filter that also highlights the parks on the map, and a
   side-by-side comparison of the ticked parks (GET opts.urls.compare?ids=a,b). */
import {append, el} from "../dom.js";
import {featureGroups} from "../layers.js";
import {fetchJSON, fmt, grid, nameOf, sidePanel, table} from "./common.js";

const HUBS = ["airport", "rail_port", "land_port", "sea_port"];
const HIGHLIGHT = {color: "#e8590c", weight: 5};

function industriesOf(park, lang) {
  return String(park[lang === "en" ? "industries_en" : "industries_zh"] || "")
    .split(/\s*[、,，;；]\s*/).filter(Boolean);
}

function zonesText(park, lang) {
  return (park.zones || []).map((z) => `${nameOf(z, lang)} ${z.overlap_pct}%`).join("; ");
}

/* Rows shared by the cards and the comparison: [label, value of a park, field]. */
function parkRows(opts) {
  const labels = opts.labels;
  const lang = opts.lang;
  const rows = [
    [labels.industries, (p) => industriesOf(p, lang).join(lang === "en" ? ", " : "、"), "industries"],
    [labels.target_output, (p) => p.target_output_2025_yi_yuan, "target_output_2025_yi_yuan"],
    [labels.target_semiconductor, (p) => p.target_semiconductor_2025_yi_yuan, "target_semiconductor_2025_yi_yuan"],
    [labels.area, (p) => p.area_km2, "area_km2"],
  ];
  HUBS.forEach((hub) => {
    rows.push([`${labels.distances} · ${labels.hub_names[hub]}`, (p) => p.distance_km[hub], `distance_km.${hub}`]);
  });
  rows.push([labels.zones, (p) => zonesText(p, lang), "zones"]);
  rows.push([labels.plan_ref, (p) => p.plan_ref, "plan_ref"]);
  return rows;
}

/* Every map feature of a park (by feature id), across the layers of the page. */
function parkFeatures(id) {
  const out = [];
  Object.values(featureGroups()).forEach((group) => {
    group.eachLayer((f) => { if (f.feature && f.feature.id === id) { out.push({group, layer: f}); } });
  });
  return out;
}

function highlight(parks, matching) {
  parks.forEach((park) => {
    const on = matching.indexOf(park.id) >= 0;
    parkFeatures(park.id).forEach((hit) => {
      if (hit.group.resetStyle) { hit.group.resetStyle(hit.layer); }
      if (on && hit.layer.setStyle) { hit.layer.setStyle(HIGHLIGHT); }
      const node = hit.layer.getElement && hit.layer.getElement();
      if (node) { node.classList.toggle("yiwu-highlight", on); }
      hit.layer.yiwuHighlighted = on;
    });
  });
}

function showPark(map, id) {
  const hit = parkFeatures(id)[0];
  if (!hit) { return; }
  if (!map.hasLayer(hit.group)) { map.addLayer(hit.group); }
  if (hit.layer.getBounds) { map.fitBounds(hit.layer.getBounds(), {maxZoom: 13, animate: false}); }
}

function card(map, park, opts, onTick) {
  const box = el("article", "yiwu-park-card");
  box.setAttribute("data-park", park.id);
  const title = el("button", "yiwu-park-title", nameOf(park, opts.lang));
  title.type = "button";
  title.title = opts.labels.show_on_map;
  title.addEventListener("click", () => { showPark(map, park.id); });
  const rows = parkRows(opts).map((r) => [r[0], r[1](park), r[2]]);
  const tick = el("label", "yiwu-park-tick");
  const tickBox = el("input");
  tickBox.type = "checkbox";
  tickBox.value = park.id;
  tickBox.addEventListener("change", onTick);
  append(tick, [tickBox, el("span", null, ` ${opts.labels.compare}`)]);
  return append(box, [title, table(rows), tick]);
}

function industryFilter(parks, opts, onChange) {
  const select = el("select", "yiwu-park-filter");
  const seen = new Set();
  select.setAttribute("aria-label", opts.labels.industry);
  const all = el("option", null, opts.labels.all_industries);
  all.value = "";
  select.appendChild(all);
  parks.forEach((p) => {
    industriesOf(p, opts.lang).forEach((name) => {
      if (seen.has(name)) { return; }
      seen.add(name);
      const option = el("option", null, name);
      option.value = name;
      select.appendChild(option);
    });
  });
  select.addEventListener("change", () => { onChange(select.value); });
  const label = el("label", "yiwu-park-filter-label");
  return append(label, [el("span", null, `${opts.labels.industry} `), select]);
}

function applyFilter(cards, parks, industry, opts) {
  const matching = parks.filter((p) => industry && industriesOf(p, opts.lang).indexOf(industry) >= 0)
    .map((p) => p.id);
  Array.from(cards.children).forEach((node) => {
    node.hidden = Boolean(industry) && matching.indexOf(node.getAttribute("data-park")) < 0;
  });
  highlight(parks, matching);
}

function compareTable(parks, opts) {
  const headers = [""].concat(parks.map((p) => nameOf(p, opts.lang)));
  const t = grid(headers, [], "yiwu-compare-table");
  parkRows(opts).forEach((r) => {
    const tr = el("tr");
    tr.setAttribute("data-field", r[2]);
    tr.appendChild(el("th", null, r[0]));
    parks.forEach((p) => {
      const td = el("td", null, fmt(r[1](p)));
      td.setAttribute("data-park", p.id);
      tr.appendChild(td);
    });
    t.appendChild(tr);
  });
  return t;
}

function compare(target, ids, opts) {
  target.textContent = "";
  target.appendChild(el("p", "yiwu-a-loading", opts.labels.loading));
  return fetchJSON(`${opts.urls.compare}?ids=${ids.map(encodeURIComponent).join(",")}`)
    .then((data) => {
      target.textContent = "";
      append(target, [el("h3", null, opts.labels.compare_title), compareTable(data.parks, opts)]);
      if (target.scrollIntoView) { target.scrollIntoView({block: "nearest"}); }
    })
    .catch((err) => {
      target.textContent = "";
      target.appendChild(el("div", "yiwu-a-error", `${opts.labels.error}: ${err.message}`));
    });
}

function compareControls(cards, opts) {
  const box = el("div", "yiwu-compare");
  const result = el("div", "yiwu-compare-result");
  const button = el("button", "yiwu-compare-button", opts.labels.compare);
  button.type = "button";
  button.disabled = true;
  const ticked = () => Array.from(cards.querySelectorAll("input[type=checkbox]:checked"), (i) => i.value);
  button.addEventListener("click", () => { compare(result, ticked(), opts); });
  append(box, [el("p", "yiwu-a-hint", opts.labels.compare_pick), button, result]);
  return {node: box, update() { button.disabled = ticked().length < 2; }};
}

function renderParks(map, body, parks, opts) {
  const cards = el("div", "yiwu-park-cards");
  const controls = compareControls(cards, opts);
  parks.forEach((p) => { cards.appendChild(card(map, p, opts, controls.update)); });
  const filter = industryFilter(parks, opts, (industry) => { applyFilter(cards, parks, industry, opts); });
  append(body, [filter, cards, controls.node]);
  body.setAttribute("data-state", "done");
}

/* The parks panel (`opts`: lang, labels, values, accuracies, urls; webmap/analysis_panels.py). */
export function parksPanel(map, opts) {
  const body = sidePanel(map, opts.labels.parks_title, opts.labels, "yiwu-parks-panel");
  fetchJSON(opts.urls.parks)
    .then((data) => { renderParks(map, body, data.parks, opts); })
    .catch((err) => {
      body.appendChild(el("div", "yiwu-a-error", `${opts.labels.error}: ${err.message}`));
      body.setAttribute("data-state", "error");
    });
}
