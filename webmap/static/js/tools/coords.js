/* The mouse position (lon, lat, WGS84) in a control. */
import {control, el} from "../dom.js";

export function coordinatesControl(map, opts) {
  const text = el("span", "yiwu-coords-value", "–");
  control(map, "bottomleft", () => {
    const root = el("div", "yiwu-coords leaflet-bar");
    root.appendChild(el("span", "yiwu-coords-label", `${opts.labels.coordinates} `));
    root.appendChild(text);
    return root;
  });
  map.on("mousemove", (ev) => {
    text.textContent = `${ev.latlng.lng.toFixed(5)}, ${ev.latlng.lat.toFixed(5)}`;
  });
}
