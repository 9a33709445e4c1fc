/* The popup of a feature: its fields in the page language, the plan clause and quote, accuracy, source and the
   layer's downloads. Codes are shown as words (opts.labels.values: status, plan_status, mode, port_type, accuracy,
   four_ports, region); of a `_zh`/`_en` pair of fields only the page language's one is shown; a text the data gives
   in both languages ("中文 / English") is shown in the page language; a text the data gives in the other language
   only is labelled so (e.g. "位置说明（英文资料）"), never translated; long texts are folded (details/summary). */
import {el} from "./dom.js";

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const LATIN_WORDS = /[A-Za-z]{2,}[^\u3400-\u9fff]*\s[^\u3400-\u9fff]*[A-Za-z]{2,}/;
const FOLD_CHARS = 140;  // longer texts are folded
const NAMES = ["name_zh", "name_en"];

function formatValue(value) {
  if (value === null || value === undefined || value === "") { return null; }
  if (typeof value === "number") {
    return Math.abs(value) >= 100 ? value.toLocaleString(undefined, {maximumFractionDigits: 1})
      : String(Math.round(value * 1000) / 1000);
  }
  return String(value);
}

/* The page language's half of "中文 / English" (the last " / " after which no Chinese follows; "http://" has no
   space after its slash), or null when the text is not written so. */
function bilingualHalf(text, lang) {
  const halves = /^(.*\S)\s*\/\s+([^\u3400-\u9fff]*[A-Za-z][^\u3400-\u9fff]*)$/s.exec(text);
  if (!halves || !CJK.test(halves[1])) { return null; }
  return lang === "en" ? halves[2].trim() : halves[1];
}

/* A text in the page language: {text, other} — `other`: the data gives it only in the other language. */
export function inLanguage(value, lang) {
  const text = String(value);
  // a "; " list of bilingual items (a place's linked routes), each in the page language, as the pages show it
  const items = text.split("; ").map((item) => bilingualHalf(item, lang));
  if (items.length > 1 && items.every((item) => item !== null)) { return {text: items.join("; "), other: false}; }
  const whole = bilingualHalf(text, lang);
  if (whole !== null) { return {text: whole, other: false}; }
  // a name and its translation: "越南 Vietnam", "阿拉山口—多斯特克 (Alashankou–Dostyk)"
  const pair = /^([^A-Za-z]*[\u3400-\u9fff][^A-Za-z]*?)\s+(\(?[A-Za-z][A-Za-z .,'’–-]{0,40}\)?)$/.exec(text);
  if (pair) { return {text: lang === "en" ? pair[2].replace(/^\((.*)\)$/, "$1") : pair[1], other: false}; }
  const other = lang === "en" ? CJK.test(text) && !/[A-Za-z]{3,}/.test(text) : !CJK.test(text) && LATIN_WORDS.test(text);
  return {text, other};
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

/* The fields a popup shows: the page language's one of a _zh/_en pair; of the names, the other language's. */
function shownFields(fields, titleField) {
  return fields.filter((field) => {
    if (NAMES.indexOf(field) >= 0) { return field !== titleField; }
    const m = /^(.*)_(zh|en)$/.exec(field);
    if (!m) { return true; }
    const twin = `${m[1]}_${m[2] === "zh" ? "en" : "zh"}`;
    return fields.indexOf(twin) < 0 || `_${m[2]}` === titleField.slice(-3);
  });
}

/* A label marked "in the other language" when the value is (e.g. "位置说明（英文资料）"). */
function marked(label, other, opts) {
  if (!other || !opts.labels.other_language) { return label; }
  return opts.lang === "en" ? `${label} (${opts.labels.other_language})` : `${label}（${opts.labels.other_language}）`;
}

function labelOf(field, opts, other) {
  const base = NAMES.indexOf(field) >= 0 ? (opts.labels.other_name || field) : (opts.labels.fields[field] || field);
  return marked(base, other, opts);
}

function row(field, props, opts) {
  const names = (opts.labels.values || {})[field] || {};
  const raw = props[field];
  let text = field === "year" && raw ? String(raw) : formatValue(names[raw] || raw);  // 2025, not "2,025"
  if (text === null) { return null; }
  let other = false;
  if (typeof raw === "string" && !names[raw] && NAMES.indexOf(field) < 0) {
    ({text, other} = inLanguage(raw, opts.lang));
  }
  const label = labelOf(field, opts, other);
  const tr = el("tr");
  tr.setAttribute("data-field", field);
  if (text.length > FOLD_CHARS) {
    const cell = el("td");
    cell.colSpan = 2;
    const details = el("details", "yiwu-popup-fold");
    details.appendChild(el("summary", null, label));
    details.appendChild(el("div", null, text));
    cell.appendChild(details);
    tr.appendChild(cell);
    return tr;
  }
  tr.appendChild(el("th", null, label));
  tr.appendChild(el("td", null, text));
  return tr;
}

/* The popup element of one feature (`opts`: fields, labels, title_field, lang, downloads; webmap/build.py). */
export function popup(props, opts) {
  const root = el("div", "yiwu-popup");
  const titleField = opts.title_field || "name_zh";
  root.appendChild(el("div", "yiwu-popup-title", props[titleField] || props.name_zh || ""));
  if (props.accuracy === "schematic") {
    root.appendChild(el("div", "yiwu-badge yiwu-schematic", opts.labels.schematic_note));
  }
  const table = el("table", "yiwu-popup-table");
  shownFields(opts.fields, titleField).forEach((field) => {
    const tr = row(field, props, opts);
    if (tr) { table.appendChild(tr); }
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
  if (props.source) {
    const source = inLanguage(props.source, opts.lang || "zh");
    const sourceLabel = marked(opts.labels.source, source.other, opts);
    const line = source.text.length > FOLD_CHARS ? el("details", "yiwu-popup-fold") : el("div");
    if (line.tagName === "DETAILS") {
      line.appendChild(el("summary", null, sourceLabel));
      line.appendChild(el("div", null, source.text));
    } else {
      line.textContent = `${sourceLabel}: ${source.text}`;
    }
    meta.appendChild(line);
  }
  root.appendChild(meta);
  if (opts.downloads) { root.appendChild(downloadLinks(opts.downloads)); }
  return root;
}
