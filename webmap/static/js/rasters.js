/* Raster overlays (webmap/raster_layers.py): each raster of the view as a checkbox in its own group of the layer
   control, off at load, and an opacity slider in the panel's layers tab. Switching one on fetches its TileJSON
   once, adds its tile layer clipped to the raster's bounds and shows a colour-bar (or class) legend with the others
   in the panel; over the GCJ-02 basemap the tiles are asked for with ?datum=gcj02. Styles in yiwu-rasters.css;
   every text set with textContent. */
import {el} from "./dom.js";
import {GCJ02_CRS} from "./gcj02.js";
import {addOverlay} from "./layercontrol.js";
import {track} from "./layers.js";
import {dockSlot} from "./layout.js";
import {rasterLegendBox} from "./legend.js";

export const rasterLayers = {};  // raster id -> L.LayerGroup (holds the tile layer once switched on)
const templates = {};  // raster id -> tile URL template of its TileJSON

function legendBox(spec) {
  const box = el("div", "yiwu-raster-legend");
  box.appendChild(el("div", "yiwu-raster-legend-title", spec.title));
  if (spec.gradient) {
    const bar = el("div", "yiwu-raster-colorbar");
    bar.style.background = spec.gradient;
    const ticks = el("div", "yiwu-raster-ticks");
    spec.ticks.forEach((t) => { ticks.appendChild(el("span", null, t)); });
    box.appendChild(bar);
    box.appendChild(ticks);
  }
  (spec.classes || []).forEach((c) => {
    const row = el("div");
    const sw = el("span", "yiwu-raster-swatch");
    sw.style.background = c.color;
    row.appendChild(sw);
    row.appendChild(el("span", null, c.title));
    box.appendChild(row);
  });
  return box;
}

/* Over the GCJ-02 (AMap) basemap, ask for tiles of the GCJ-02 map. */
function tileUrl(map, template) {
  if (map.options.crs !== GCJ02_CRS) { return template; }
  return `${template}${template.indexOf("?") < 0 ? "?" : "&"}datum=gcj02`;
}

function overlay(map, spec) {
  const group = L.layerGroup();
  const legend = legendBox(spec.legend);
  let tiles = null;
  group.on("add", () => {
    rasterLegendBox().appendChild(legend);
    if (tiles) { return; }
    track(fetch(spec.tilejson).then((r) => r.json()).then((tj) => {  // pending until its tile layer is on the map
      const b = tj.bounds;
      templates[spec.id] = tj.tiles[0];
      tiles = L.tileLayer(tileUrl(map, tj.tiles[0]), {opacity: spec.opacity,
        bounds: L.latLngBounds([b[1], b[0]], [b[3], b[2]]), maxZoom: 19});
      tiles.on("load", () => { group.fire("rasterload"); });
      group.addLayer(tiles);
    }));
  });
  group.on("remove", () => { legend.remove(); });
  group.on("yiwu:opacity", () => { if (tiles) { tiles.setOpacity(spec.opacity); } });
  return group;
}

/* The opacity slider of one raster (0–100 %), named after the raster in the page language. */
function opacitySlider(spec, labels) {
  const row = el("div", "yiwu-opacity");
  row.setAttribute("data-raster", spec.id);
  const id = `yiwu-opacity-${spec.id}`;
  const label = el("label", null, spec.title);
  label.htmlFor = id;
  const input = el("input");
  input.type = "range";
  input.id = id;
  input.min = 0;
  input.max = 100;
  input.step = 5;
  input.value = Math.round(spec.opacity * 100);
  input.setAttribute("aria-label", `${spec.title} · ${labels.opacity}`);
  const value = el("output", "yiwu-opacity-value", `${input.value}%`);
  value.htmlFor = id;
  input.addEventListener("input", () => {
    spec.opacity = Number(input.value) / 100;
    value.textContent = `${input.value}%`;
    rasterLayers[spec.id].fire("yiwu:opacity");
  });
  row.appendChild(label);
  row.appendChild(input);
  row.appendChild(value);
  return row;
}

/* The raster overlays (`opts`: title of their group, rasters: id, title, label_html, tilejson, opacity, legend;
   slider: the opacity sliders' words). */
export function rasters(map, opts) {
  map.on("baselayerchange", () => {
    Object.keys(rasterLayers).forEach((id) => {
      rasterLayers[id].eachLayer((t) => { t.setUrl(tileUrl(map, templates[id])); });
    });
  });
  const labels = opts.slider || {opacity: "opacity", title: "opacity"};
  const slot = dockSlot("layers", "rasters");
  if (opts.rasters.length) { slot.appendChild(el("h2", "yiwu-dock-heading", labels.title)); }
  opts.rasters.forEach((spec) => {
    rasterLayers[spec.id] = overlay(map, spec);
    addOverlay(rasterLayers[spec.id], spec.label_html, opts.title);
    slot.appendChild(opacitySlider(spec, labels));
  });
}
