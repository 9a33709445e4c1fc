/* Swipe comparison: one layer left of a draggable divider, another right of it. Each side's features are moved to
   their own pane (with its own SVG renderer) and the panes are clipped at the divider. */
import {control, el} from "../dom.js";
import {featureGroups, layers} from "../layers.js";
import {hiddenFeatures} from "./timeslider.js";

const SIDES = ["yiwuSwipeLeft", "yiwuSwipeRight"];

function movePane(map, group, pane) {
  const on = map.hasLayer(group);
  if (on) { map.removeLayer(group); }
  group.options.pane = pane;
  group.eachLayer((f) => { f.options.pane = pane; f.options.renderer = undefined; });
  hiddenFeatures(group).forEach((f) => { f.options.pane = pane; });
  if (pane !== "overlayPane" || on) { map.addLayer(group); }
}

function clip(map, ratio) {
  const nw = map.containerPointToLayerPoint([0, 0]);
  const se = map.containerPointToLayerPoint(map.getSize());
  const x = map.containerPointToLayerPoint([map.getSize().x * ratio, 0]).x;
  map.getPane(SIDES[0]).style.clip = `rect(${[nw.y, x, se.y, nw.x].join("px,")}px)`;
  map.getPane(SIDES[1]).style.clip = `rect(${[nw.y, se.x, se.y, x].join("px,")}px)`;
}

/* The comparison of two overlays (by catalog id): start(leftId, rightId), set(ratio) of the divider, stop(). */
class Swipe {
  constructor(map) {
    SIDES.forEach((name) => { if (!map.getPane(name)) { map.createPane(name); } });
    this.map = map;
    this.ratio = 0.5;
    this.ids = [];
    this.divider = el("input", "yiwu-swipe-range");
    this.divider.type = "range";
    this.divider.min = 0;
    this.divider.max = 1;
    this.divider.step = "any";
    L.DomEvent.disableClickPropagation(this.divider);
    ["mousedown", "touchstart", "pointerdown"].forEach((ev) => {
      L.DomEvent.on(this.divider, ev, L.DomEvent.stopPropagation);
    });
    this.divider.addEventListener("input", () => { this.set(null); });
    this.update = () => { clip(map, this.ratio); };
  }

  set(ratio) {
    this.ratio = ratio === null ? Number(this.divider.value) : ratio;
    this.divider.value = this.ratio;
    this.update();
  }

  start(leftId, rightId) {
    this.stop();
    this.ids = [leftId, rightId];
    movePane(this.map, layers[leftId], SIDES[0]);
    movePane(this.map, layers[rightId], SIDES[1]);
    this.map.getContainer().appendChild(this.divider);
    this.map.on("move zoomend resize", this.update);
    this.set(this.ratio);
  }

  stop() {
    this.ids.forEach((id) => { movePane(this.map, layers[id], "overlayPane"); });
    this.ids = [];
    this.map.off("move zoomend resize", this.update);
    if (this.divider.parentNode) { this.divider.parentNode.removeChild(this.divider); }
  }
}

function select(opts, ids, chosen) {
  const box = el("select");
  ids.forEach((id) => {
    const option = el("option", null, opts.titles[id] || id);
    option.value = id;
    option.selected = id === chosen;
    box.appendChild(option);
  });
  return box;
}

export function swipeControl(map, opts) {
  const swipe = new Swipe(map);
  const ids = Object.keys(featureGroups());
  control(map, "bottomright", () => {
    const root = el("div", "yiwu-swipe leaflet-bar");
    const left = select(opts, ids, ids[0]);
    const right = select(opts, ids, ids[1] || ids[0]);
    const button = el("button", null, opts.labels.swipe);
    button.type = "button";
    button.addEventListener("click", () => {
      if (swipe.ids.length) { swipe.stop(); button.textContent = opts.labels.swipe; return; }
      swipe.start(left.value, right.value);
      button.textContent = opts.labels.swipe_stop;
    });
    [el("span", null, opts.labels.swipe_left), left, el("span", null, opts.labels.swipe_right), right, button]
      .forEach((node) => { root.appendChild(node); });
    return root;
  });
  return swipe;
}
