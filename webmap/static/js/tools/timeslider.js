/* Time slider over the plan milestones: features whose `year` is after the chosen one are taken off the map
   (features without a year, e.g. the boundaries, always stay). */
import {control, el} from "../dom.js";
import {featureGroups} from "../layers.js";

const hidden = new WeakMap();  // overlay -> its features taken off by the slider
let year = null;

/* The features of an overlay the slider has taken off (the swipe moves them between panes too). */
export function hiddenFeatures(group) {
  return hidden.get(group) || [];
}

function filterLayer(group) {
  const off = hiddenFeatures(group);
  group.eachLayer((f) => {
    const y = f.feature && f.feature.properties && f.feature.properties.year;
    if (y && Number(y) > year) { group.removeLayer(f); off.push(f); }
  });
  hidden.set(group, off.filter((f) => {
    if (Number(f.feature.properties.year) > year) { return true; }
    group.addLayer(f);
    return false;
  }));
}

function setYear(value) {
  year = value;
  Object.values(featureGroups()).forEach((group) => { filterLayer(group); });
}

export function timeSlider(map, opts) {
  const years = opts.milestones;
  Object.values(featureGroups()).forEach((group) => {
    group.on("yiwu:loaded", () => { filterLayer(group); });
  });
  year = years[years.length - 1];
  return control(map, "bottomleft", () => {
    const root = el("div", "yiwu-time leaflet-bar");
    const value = el("span", "yiwu-time-value", `≤ ${year}`);
    const input = el("input");
    input.type = "range";
    input.min = 0;
    input.max = years.length - 1;
    input.step = 1;
    input.value = years.length - 1;
    input.setAttribute("aria-label", opts.labels.time);
    input.addEventListener("input", () => {
      setYear(years[Number(input.value)]);
      value.textContent = `≤ ${year}`;
    });
    root.appendChild(el("span", "yiwu-time-label", `${opts.labels.time} `));
    root.appendChild(input);
    root.appendChild(value);
    return root;
  });
}
