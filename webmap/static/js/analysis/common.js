/* Shared parts of the analysis panels: API fetches, value formatting, tables and the panel in the page's analysis
   tab (layout.js). Every value is written with textContent, never as HTML. */
import {append, el} from "../dom.js";
import {dockSlot} from "../layout.js";

export function fmt(value) {
  return value === null || value === undefined || value === "" ? "–" : String(value);
}

export function nameOf(item, lang) {
  return lang === "en" ? (item.name_en || item.name_zh || "") : (item.name_zh || item.name_en || "");
}

const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

/* fetch, sending the session's CSRF token (the page's <meta name="csrf-token">, there when a user is signed in)
   with every unsafe request: the server refuses a signed-in session's POST without it. */
export function apiFetch(url, init) {
  const options = Object.assign({}, init);
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content && SAFE_METHODS.indexOf(String(options.method || "GET").toUpperCase()) < 0) {
    options.headers = Object.assign({}, options.headers, {"X-CSRF-Token": meta.content});
  }
  return fetch(url, options);
}

/* JSON from the API; a failed request rejects with the API's error description. */
export function fetchJSON(url, init) {
  return apiFetch(url, init).then((r) => r.text().then((text) => {
    let data = {};
    try { data = JSON.parse(text); } catch (err) { if (r.ok) { throw err; } }
    if (!r.ok) { throw new Error(data.description || `HTTP ${r.status}`); }
    return data;
  }));
}

/* A table of [label, value] rows; `field` (optional third item) goes to the row's data-field. */
export function table(rows, className) {
  const t = el("table", `yiwu-a-table${className ? ` ${className}` : ""}`);
  rows.forEach((row) => {
    if (!row) { return; }
    const tr = el("tr");
    if (row[2]) { tr.setAttribute("data-field", row[2]); }
    append(tr, [el("th", null, row[0]), el("td", null, fmt(row[1]))]);
    t.appendChild(tr);
  });
  return t;
}

/* A table with a header row and rows of cells. */
export function grid(headers, rows, className) {
  const t = el("table", `yiwu-a-table yiwu-a-grid${className ? ` ${className}` : ""}`);
  const head = el("tr");
  headers.forEach((h) => { head.appendChild(el("th", null, h)); });
  t.appendChild(head);
  rows.forEach((cells) => {
    const tr = el("tr");
    cells.forEach((c) => { tr.appendChild(el("td", null, fmt(c))); });
    t.appendChild(tr);
  });
  return t;
}

/* The view's panel in the analysis tab of the page's panel (beside the map, or its bottom sheet); returns its
   body. */
export function sidePanel(map, title, labels, className) {
  const root = el("div", `yiwu-panel ${className}`);
  const head = el("div", "yiwu-panel-head");
  const body = el("div", "yiwu-panel-body");
  append(head, [el("h2", null, title)]);
  append(root, [head, body]);
  dockSlot("analysis", "panel").appendChild(root);
  return body;
}

export function section(title, className) {
  const box = el("section", `yiwu-a-section${className ? ` ${className}` : ""}`);
  box.appendChild(el("h3", null, title));
  return box;
}

