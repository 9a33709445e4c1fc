/* Raster overlays (webmap/raster_layers.py): each raster of the view as a checkbox in its own group of the layer
   control, off at load. Switching one on fetches its TileJSON once, adds its tile layer clipped to the raster's
   bounds and shows a colour-bar (or class) legend; over the GCJ-02 basemap the tiles are asked for with
   ?datum=gcj02. Styles in yiwu-rasters.css; every text set with textContent. */
import {el} from "./dom.js";
import {GCJ02_CRS} from "./gcj02.js";
import {addOverlay} from "./layercontrol.js";

export const rasterLayers = {};  // raster id -> L.LayerGroup (holds the tile layer once switched on)
const templates = {};  // raster id -> tile URL template of its TileJSON

function legendControl(spec) {
  const legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
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
  };
  return legend;
}

/* Over the GCJ-02 (AMap) basemap, ask for tiles of the GCJ-02 map. */
function tileUrl(map, template) {
  if (map.options.crs !== GCJ02_CRS) { return template; }
  return `${template}${template.indexOf("?") < 0 ? "?" : "&"}datum=gcj02`;
}

function overlay(map, spec) {
  const group = L.layerGroup();
  const legend = legendControl(spec.legend);
  let tiles = null;
  group.on("add", () => {
    legend.addTo(map);
    if (tiles) { return; }
    fetch(spec.tilejson).then((r) => r.json()).then((tj) => {
      const b = tj.bounds;
      templates[spec.id] = tj.tiles[0];
      tiles = L.tileLayer(tileUrl(map, tj.tiles[0]), {opacity: spec.opacity,
        bounds: L.latLngBounds([b[1], b[0]], [b[3], b[2]]), maxZoom: 19});
      tiles.on("load", () => { group.fire("rasterload"); });
      group.addLayer(tiles);
    });
  });
  group.on("remove", () => { legend.remove(); });
  return group;
}

/* The raster overlays (`opts`: title of their group, rasters: id, label_html, tilejson, opacity, legend). */
export function rasters(map, opts) {
  map.on("baselayerchange", () => {
    Object.keys(rasterLayers).forEach((id) => {
      rasterLayers[id].eachLayer((t) => { t.setUrl(tileUrl(map, templates[id])); });
    });
  });
  opts.rasters.forEach((spec) => {
    rasterLayers[spec.id] = overlay(map, spec);
    addOverlay(rasterLayers[spec.id], spec.label_html, opts.title);
  });
}
