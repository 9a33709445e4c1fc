/* Swipe comparison, chosen in the panel's tools tab: one layer left of a draggable divider, another right of it.
   Each side's features are moved to their own pane (with its own SVG renderer) and the panes are clipped at the
   divider; stopping puts each layer back in its own pane. */
import {button, el} from "../dom.js";
import {featureGroups, layerOptions, layers} from "../layers.js";
import {dockSlot} from "../layout.js";
import {hiddenFeatures} from "./timeslider.js";

const SIDES = ["yiwuSwipeLeft", "yiwuSwipeRight"];
let active = null;  // the running comparison (for hiddenBySwipe)

function movePane(map, group, pane, show) {
  const on = map.hasLayer(group);
  if (on) { map.removeLayer(group); }
  group.options.pane = pane;
  group.eachLayer((f) => { f.options.pane = pane; f.options.renderer = undefined; });
  hiddenFeatures(group).forEach((f) => { f.options.pane = pane; });
  if (show || on) { map.addLayer(group); }
}

function homePane(id) {
  const opts = layerOptions(id);
  return (opts && opts.pane) || "overlayPane";
}

/* Whether the swipe hides an overlay at a container point (it is clipped away on that side of the divider). */
export function hiddenBySwipe(map, group, point) {
  if (!active || !active.ids.length) { return false; }
  const side = SIDES.indexOf(group.options.pane);
  if (side < 0) { return false; }
  const x = map.getSize().x * active.ratio;
  return side === 0 ? point.x > x : point.x < x;
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
    active = this;
    movePane(this.map, layers[leftId], SIDES[0], true);
    movePane(this.map, layers[rightId], SIDES[1], true);
    this.map.getContainer().appendChild(this.divider);
    this.map.on("move zoomend resize", this.update);
    this.set(this.ratio);
  }

  stop() {
    this.ids.forEach((id) => { movePane(this.map, layers[id], homePane(id), false); });
    this.ids = [];
    this.map.off("move zoomend resize", this.update);
    if (this.divider.parentNode) { this.divider.parentNode.removeChild(this.divider); }
  }
}

function select(opts, ids, chosen, label) {
  const box = el("select");
  box.setAttribute("aria-label", label);
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
  const root = el("div", "yiwu-swipe");
  const left = select(opts, ids, ids[0], opts.labels.swipe_left);
  const right = select(opts, ids, ids[1] || ids[0], opts.labels.swipe_right);
  const toggle = button("yiwu-swipe-button", opts.labels.swipe);
  toggle.setAttribute("aria-pressed", "false");
  toggle.addEventListener("click", () => {
    if (swipe.ids.length) {
      swipe.stop();
    } else {
      swipe.start(left.value, right.value);
    }
    toggle.textContent = swipe.ids.length ? opts.labels.swipe_stop : opts.labels.swipe;
    toggle.setAttribute("aria-pressed", String(swipe.ids.length > 0));
  });
  const row = (word, box) => {
    const label = el("label", "yiwu-swipe-side");
    label.appendChild(el("span", null, word));
    label.appendChild(box);
    return label;
  };
  [el("h2", "yiwu-dock-heading", opts.labels.swipe), row(opts.labels.swipe_left, left),
   row(opts.labels.swipe_right, right), toggle].forEach((node) => { root.appendChild(node); });
  dockSlot("tools", "swipe").appendChild(root);
  return swipe;
}
