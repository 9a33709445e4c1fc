/* Time slider over the plan milestones, in the panel's tools tab: features whose `year` is after the chosen one are
   taken off the map (features without a year, e.g. the boundaries, always stay). The milestone years are marked
   under the slider. */
import {el} from "../dom.js";
import {featureGroups} from "../layers.js";
import {dockSlot} from "../layout.js";

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
  const root = el("div", "yiwu-time");
  const head = el("div", "yiwu-time-head");
  const label = el("label", "yiwu-time-label", opts.labels.time);
  const input = el("input");
  input.type = "range";
  input.id = "yiwu-time-input";
  label.htmlFor = input.id;
  input.min = 0;
  input.max = years.length - 1;
  input.step = 1;
  input.value = years.length - 1;
  input.setAttribute("list", "yiwu-time-years");
  input.setAttribute("aria-valuetext", `≤ ${year}`);
  const value = el("output", "yiwu-time-value", `≤ ${year}`);
  value.htmlFor = input.id;
  const marks = el("datalist");
  marks.id = "yiwu-time-years";
  const ticks = el("div", "yiwu-time-ticks");
  ticks.setAttribute("aria-label", opts.labels.years);
  years.forEach((y, i) => {
    const option = el("option");
    option.value = i;
    option.label = String(y);
    marks.appendChild(option);
    ticks.appendChild(el("span", "yiwu-time-tick", String(y)));
  });
  input.addEventListener("input", () => {
    setYear(years[Number(input.value)]);
    value.textContent = `≤ ${year}`;
    input.setAttribute("aria-valuetext", value.textContent);
  });
  head.appendChild(label);
  head.appendChild(value);
  root.appendChild(head);
  root.appendChild(input);
  root.appendChild(marks);
  root.appendChild(ticks);
  dockSlot("tools", "time").appendChild(root);
  return root;
}
