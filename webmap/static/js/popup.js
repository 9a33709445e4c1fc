/* The popup of a feature: its fields, the plan clause and quote, accuracy, source and the layer's downloads. */
import {el} from "./dom.js";

function formatValue(value) {
  if (value === null || value === undefined || value === "") { return null; }
  if (typeof value === "number") {
    return Math.abs(value) >= 100 ? value.toLocaleString(undefined, {maximumFractionDigits: 1})
      : String(Math.round(value * 1000) / 1000);
  }
  return String(value);
}

function downloadLinks(downloads) {
  const box = el("div", "yiwu-popup-downloads", `${downloads.label}: `);
  downloads.links.forEach((link, i) => {
    const a = el("a", null, link.label);
    a.href = link.href;
    if (i > 0) { box.appendChild(document.createTextNode(" · ")); }
    box.appendChild(a);
  });
  return box;
}

/* The popup element of one feature (`opts`: fields, labels, title_field, downloads; webmap/build.py). */
export function popup(props, opts) {
  const root = el("div", "yiwu-popup");
  root.appendChild(el("div", "yiwu-popup-title", props[opts.title_field] || props.name_zh || ""));
  if (props.accuracy === "schematic") {
    root.appendChild(el("div", "yiwu-badge yiwu-schematic", opts.labels.schematic_note));
  }
  const table = el("table", "yiwu-popup-table");
  opts.fields.forEach((field) => {
    const names = (opts.labels.values || {})[field] || {};
    const raw = names[props[field]] || props[field];
    const text = field === "year" && raw ? String(raw) : formatValue(raw);  // 2025, not "2,025"
    if (text === null) { return; }
    const row = el("tr");
    row.appendChild(el("th", null, opts.labels.fields[field] || field));
    row.appendChild(el("td", null, text));
    table.appendChild(row);
  });
  root.appendChild(table);
  if (props.plan_ref) {
    const plan = el("div", "yiwu-popup-plan");
    plan.appendChild(el("span", "yiwu-clause", `${opts.labels.plan} ${props.plan_ref}`));
    if (props.plan_quote) { plan.appendChild(el("q", null, props.plan_quote)); }
    root.appendChild(plan);
  }
  const meta = el("div", "yiwu-popup-meta");
  const accuracy = opts.labels.accuracies[props.accuracy] || props.accuracy || "";
  meta.appendChild(el("div", null, `${opts.labels.accuracy}: ${accuracy}`));
  meta.appendChild(el("div", null, `${opts.labels.source}: ${props.source || ""}`));
  root.appendChild(meta);
  if (opts.downloads) { root.appendChild(downloadLinks(opts.downloads)); }
  return root;
}
