/* The page's grouped layer control (leaflet-groupedlayercontrol): the basemaps, the overlays by group, and the
   groups other modules add later (the raster surfaces). It lives in the page's panel (layout.js), not over the
   map. */
import {basemaps} from "./basemaps.js";
import {el} from "./dom.js";
import {dockSlot} from "./layout.js";

let current = null;

/* The control with `choices` as base layers and `groups` ({group: {name: layer}}) as overlays, in the panel
   (`base`: the offline basemap and the words of the notices; webmap/build.py). */
export function layerControl(map, choices, groups, options, base) {
  const lang = document.documentElement.lang === "en" ? "en" : "zh";
  current = L.control.groupedLayers(basemaps(map, choices, base || {}, lang), groups, options).addTo(map);
  const slot = dockSlot("layers", "control");
  if (base && base.labels && base.labels.title) { slot.appendChild(el("h2", "yiwu-dock-heading", base.labels.title)); }
  slot.appendChild(current.getContainer());
  return current;
}

/* Add an overlay to the page's layer control (made first by layerControl). */
export function addOverlay(layer, name, group) {
  if (!current) { throw new Error("the layer control is not on the page yet"); }
  current.addOverlay(layer, name, group);
}
