/* The legend, at the top of the panel's layers tab (layout.js): a row per layer with its symbol (schematic layers
   marked), shown only while the layer is on the map; the raster legends join it (rasters.js). */
import {el} from "./dom.js";
import {layers} from "./layers.js";
import {dockSlot} from "./layout.js";

function swatch(entry) {
  const box = el("span", `yiwu-swatch yiwu-swatch-${entry.geometry}`);
  box.style.borderColor = entry.color;
  box.style.background = entry.geometry === "line" ? entry.color : (entry.fill || "transparent");
  if (entry.dashed) { box.style.borderStyle = "dashed"; }
  return box;
}

function row(entry, schematicLabel) {
  const node = el("div", "yiwu-legend-row");
  node.setAttribute("data-layer", entry.id);
  node.appendChild(swatch(entry));
  node.appendChild(el("span", null, entry.title));
  if (entry.schematic) { node.appendChild(el("span", "yiwu-badge yiwu-schematic", schematicLabel)); }
  (entry.classes || []).forEach((cls) => {
    const sub = el("div", "yiwu-legend-row yiwu-legend-sub");
    if (cls.value !== null && cls.value !== undefined) { sub.setAttribute("data-value", cls.value); }
    const polygon = entry.geometry === "polygon";
    sub.appendChild(swatch({geometry: entry.geometry, color: polygon ? entry.color : cls.color, fill: cls.color}));
    sub.appendChild(el("span", null, cls.title));
    node.appendChild(sub);
  });
  return node;
}

/* Only the layers on the map have a legend row. */
function syncLegend(map, root) {
  root.querySelectorAll(".yiwu-legend-row[data-layer]").forEach((node) => {
    const layer = layers[node.getAttribute("data-layer")];
    node.style.display = layer && !map.hasLayer(layer) ? "none" : "";
  });
}

/* The element the raster legends go in (below the layers' rows). */
export function rasterLegendBox() {
  const slot = dockSlot("layers", "legend");
  let box = slot.querySelector(".yiwu-legend-rasters");
  if (!box) {
    box = el("div", "yiwu-legend-rasters");
    slot.appendChild(box);
  }
  return box;
}

/* The legend (`opts`: title, schematic, entries; webmap/build.py legend_entry). */
export function legend(map, opts) {
  const root = el("div", "yiwu-legend");
  root.appendChild(el("h2", "yiwu-legend-title yiwu-dock-heading", opts.title));
  opts.entries.forEach((entry) => { root.appendChild(row(entry, opts.schematic)); });
  const slot = dockSlot("layers", "legend");
  slot.insertBefore(root, slot.firstChild);
  map.on("layeradd layerremove", (ev) => {
    if (Object.values(layers).indexOf(ev.layer) >= 0) { syncLegend(map, root); }
  });
  map.whenReady(() => { syncLegend(map, root); });
  return root;
}
