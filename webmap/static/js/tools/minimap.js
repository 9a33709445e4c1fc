/* The overview minimap (leaflet-minimap) drawing the context layers named by the page (opts.minimap_layers). */
import {featureGroups} from "../layers.js";

export function minimap(map, opts) {
  const base = L.geoJSON(null, {style: {color: "#495057", weight: 1, fillOpacity: 0.05}, interactive: false});
  (opts.minimap_layers || []).forEach((id) => {
    const src = featureGroups()[id];
    if (!src) { return; }
    base.addData(src.toGeoJSON());
    src.on("yiwu:loaded", () => { base.addData(src.toGeoJSON()); });
  });
  return new L.Control.MiniMap(base, {position: "bottomright", toggleDisplay: true, zoomLevelOffset: -5,
                                      strings: {hideText: opts.labels.minimap_hide, showText: opts.labels.minimap_show}})
    .addTo(map);
}
