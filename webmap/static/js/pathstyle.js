/* The colour of a feature's class (webmap/styles.py page_style): its value's class (categorized, else the other
   class), or the class of the breaks its number passes (graduated); null when it has none. */
export function classColor(style, props) {
  const value = (props || {})[style.class_field];
  if (!style.class_field || value === null || value === undefined || value === "") { return null; }
  if (style.breaks) {
    const number = Number(value);
    if (Number.isNaN(number)) { return null; }
    return style.colors[style.breaks.filter((b) => number >= b).length] || null;
  }
  const key = String(value);
  if (style.classes && Object.hasOwn(style.classes, key)) { return style.classes[key]; }
  return style.other_color || null;
}

/* Stroke and fill colours of a feature: a class colours a polygon's fill, a line's or point's stroke. */
export function featureColors(style, props) {
  const base = style.color || "#3388ff";
  const cls = classColor(style, props);
  const color = cls && !style.class_fill ? cls : base;
  return {color, fillColor: cls && style.class_fill ? cls : (style.fill_color || color)};
}

/* Leaflet path options of a catalog style (webmap/styles.py page_style), for the pages that draw features without
   the map pages' layers: the OGC items pages and the printable site report. Coloured by class where the style has
   classes (`props`: the feature's properties). */
export function pathStyle(style, props) {
  const {color, fillColor} = featureColors(style, props);
  return {color, weight: style.weight || 2, dashArray: style.dash_array || null, fillColor,
          fillOpacity: style.fill_opacity === undefined ? 0.2 : style.fill_opacity};
}

/* The metric scale bar (a Chinese planning map has no miles). */
export function metricScale(map) {
  return L.control.scale({imperial: false}).addTo(map);
}
