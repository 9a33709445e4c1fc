/* The page's grouped layer control (leaflet-groupedlayercontrol): the basemaps, the overlays by group, and the
   groups other modules add later (the raster surfaces). */
import {basemaps} from "./basemaps.js";

let current = null;

/* The control with `choices` as base layers and `groups` ({group: {name: layer}}) as overlays, on the map. */
export function layerControl(map, choices, groups, options) {
  current = L.control.groupedLayers(basemaps(map, choices), groups, options).addTo(map);
  return current;
}

/* Add an overlay to the page's layer control (made first by layerControl). */
export function addOverlay(layer, name, group) {
  if (!current) { throw new Error("the layer control is not on the page yet"); }
  current.addOverlay(layer, name, group);
}
