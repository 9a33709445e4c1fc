/* Leaflet path options of a catalog style (webmap/build.py's keys), for the pages that draw features without the
   map pages' layers: the OGC items pages and the printable site report. Coloured by class where the style has
   classes (`props`: the feature's properties). */
export function pathStyle(style, props) {
  const klass = style.class_field && style.classes ? style.classes[(props || {})[style.class_field]] : null;
  const color = klass || style.color || "#3388ff";
  return {color, weight: style.weight || 2, dashArray: style.dash_array || null,
          fillColor: klass || style.fill_color || color,
          fillOpacity: style.fill_opacity === undefined ? 0.2 : style.fill_opacity};
}

/* The metric scale bar (a Chinese planning map has no miles). */
export function metricScale(map) {
  return L.control.scale({imperial: false}).addTo(map);
}
