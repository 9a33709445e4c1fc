/* Search by feature name (zh or en): a box listing the matches; picking one pans to it and opens its popup. */
import {control, el} from "../dom.js";
import {featureGroups} from "../layers.js";

function featureIndex() {
  const out = [];
  Object.values(featureGroups()).forEach((group) => {
    group.eachLayer((f) => {
      const p = (f.feature && f.feature.properties) || {};
      out.push({group, layer: f, zh: String(p.name_zh || ""), en: String(p.name_en || "")});
    });
  });
  return out;
}

/* The features whose name contains `query`, shortest name first. */
export function findFeatures(query, limit) {
  const q = String(query || "").trim().toLowerCase();
  if (!q) { return []; }
  const hits = featureIndex().filter((e) => e.zh.toLowerCase().indexOf(q) >= 0 || e.en.toLowerCase().indexOf(q) >= 0);
  const shortest = (e) => Math.min(e.zh.length, e.en.length || 1e9);
  hits.sort((a, b) => shortest(a) - shortest(b));
  return hits.slice(0, limit || 8);
}

function showFeature(map, hit) {
  if (!map.hasLayer(hit.group)) { map.addLayer(hit.group); }
  const f = hit.layer;
  if (f.getBounds) {
    map.fitBounds(f.getBounds(), {maxZoom: 13, animate: false});
    f.openPopup(f.getBounds().getCenter());
  } else {
    map.setView(f.getLatLng(), Math.max(map.getZoom(), 11), {animate: false});
    f.openPopup();
  }
}

export function searchControl(map, opts) {
  return control(map, "topleft", () => {
    const root = el("div", "yiwu-search leaflet-bar");
    const input = el("input");
    input.type = "search";
    input.placeholder = opts.labels.search;
    input.setAttribute("aria-label", opts.labels.search);
    const list = el("ul", "yiwu-search-results");
    root.appendChild(input);
    root.appendChild(list);
    function render() {
      list.textContent = "";
      const hits = findFeatures(input.value);
      if (input.value.trim() && !hits.length) { list.appendChild(el("li", "yiwu-search-none", opts.labels.no_match)); }
      hits.forEach((hit) => {
        const item = el("li", "yiwu-search-hit", opts.lang === "en" ? (hit.en || hit.zh) : (hit.zh || hit.en));
        item.addEventListener("click", () => { list.textContent = ""; showFeature(map, hit); });
        list.appendChild(item);
      });
      return hits;
    }
    input.addEventListener("input", render);
    input.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") { return; }
      const hits = render();
      if (hits.length) { list.textContent = ""; showFeature(map, hits[0]); }
    });
    return root;
  });
}
