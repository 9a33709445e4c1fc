/* The legend control: a row per layer with its symbol (schematic layers marked), shown only while the layer is
   on the map. */
import {el} from "./dom.js";
import {layers} from "./layers.js";

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
    sub.appendChild(swatch({geometry: entry.geometry, color: cls.color}));
    sub.appendChild(el("span", null, cls.title));
    node.appendChild(sub);
  });
  return node;
}

/* Only the layers on the map have a legend row. */
function syncLegend(map, control) {
  const rows = control.getContainer().querySelectorAll(".yiwu-legend-row[data-layer]");
  rows.forEach((node) => {
    const layer = layers[node.getAttribute("data-layer")];
    node.style.display = layer && !map.hasLayer(layer) ? "none" : "";
  });
}

/* The legend (`opts`: title, schematic, entries; webmap/build.py legend_entry). */
export function legend(map, opts) {
  const control = L.control({position: "bottomright"});
  control.onAdd = function () {
    const root = el("div", "yiwu-legend leaflet-bar");
    root.appendChild(el("div", "yiwu-legend-title", opts.title));
    opts.entries.forEach((entry) => { root.appendChild(row(entry, opts.schematic)); });
    L.DomEvent.disableClickPropagation(root);
    return root;
  };
  control.addTo(map);
  map.on("layeradd layerremove", () => { syncLegend(map, control); });
  map.whenReady(() => { syncLegend(map, control); });
  return control;
}
