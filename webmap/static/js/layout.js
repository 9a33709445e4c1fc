/* The page's layout: the header, the map filling the rest of the page, and one panel beside it — a sidebar docked
   on the right on wide screens (open at load), a bottom sheet on narrow ones (collapsed at load: only its tab bar
   shows) — with tabs for the map layers (legend, basemaps and layers, raster opacity), the tools (time slider,
   swipe) and the view's analysis. The panel never lies over the map: the page is a CSS grid (yiwu-map.css) and the
   map follows its cell's size. Other modules put their content in the panel's slots (dockSlot), ask it to show a
   tab (showTab), and size popups to stay clear of the map's controls (popupOptions). Every control is a <button>
   named in the page language. */
import {button, el, isShown} from "./dom.js";
import {announce} from "./keyboard.js";

const WIDE = "(min-width: 1024px)";  // the sidebar; narrower screens get the bottom sheet
const SLOTS = {layers: ["legend", "control", "rasters"], tools: ["time", "swipe"], analysis: ["panel"]};
const state = {map: null, root: null, toggle: null, tabs: {}, panels: {}, current: null, open: true, labels: null};

/* Whether the panel is the bottom sheet (narrow screens). */
export function isSheet() {
  return !window.matchMedia(WIDE).matches;
}

function setToggle() {
  const open = state.open;
  const glyph = isSheet() ? (open ? "▾" : "▴") : (open ? "»" : "«");
  const label = open ? state.labels.hide_panel : state.labels.show_panel;
  state.toggle.textContent = "";
  state.toggle.appendChild(el("span", null, glyph)).setAttribute("aria-hidden", "true");
  state.toggle.appendChild(el("span", "yiwu-sr", label));
  state.toggle.title = label;
  state.toggle.setAttribute("aria-expanded", String(open));
}

/* Open or collapse the panel (the map takes the room it leaves). */
export function setOpen(open) {
  if (!state.root) { return; }
  state.open = Boolean(open);
  document.body.setAttribute("data-yiwu-dock", state.open ? "open" : "collapsed");
  setToggle();
}

/* Show a tab of the panel (and open the panel unless `open` is false). */
export function showTab(id, open) {
  if (!state.panels[id]) { return; }
  state.current = id;
  Object.keys(state.panels).forEach((key) => {
    const on = key === id;
    state.tabs[key].setAttribute("aria-selected", String(on));
    state.tabs[key].tabIndex = on ? 0 : -1;
    state.panels[key].hidden = !on;
  });
  if (open !== false) { setOpen(true); }
}

/* The element of a slot of a tab's panel, where a module puts its content (slots keep their order). */
export function dockSlot(tab, name) {
  const panel = state.panels[tab] || state.panels.layers;
  let slot = panel.querySelector(`:scope > [data-slot="${name}"]`);
  if (!slot) {
    slot = el("div", `yiwu-slot yiwu-slot-${name}`);
    slot.setAttribute("data-slot", name);
    panel.appendChild(slot);
  }
  return slot;
}

/* A person's action on the panel: said in the live region when it opened the panel. */
function userOpens(action) {
  const was = state.open;
  action();
  if (state.open && !was) { announce(state.labels.panel_opened.replace("{name}", state.tabs[state.current].textContent)); }
}

/* Esc in the panel collapses it, the focus going to the button that opens it again. */
function closeOnEscape(ev) {
  if (ev.key !== "Escape" || !state.open || ev.defaultPrevented) { return; }  // taken already (an edit cancelled)
  ev.preventDefault();
  setOpen(false);
  state.toggle.focus();
}

function tabKeys(ev) {
  const ids = Object.keys(state.tabs);
  const i = ids.indexOf(state.current);
  const next = {ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: ids.length - 1};
  if (!(ev.key in next)) { return; }
  ev.preventDefault();
  const id = ids[(next[ev.key] + ids.length) % ids.length];
  showTab(id);
  state.tabs[id].focus();
}

/* The zoom buttons named in the page language (Leaflet names them in English). */
function nameZoomButtons(map, labels) {
  const box = map.zoomControl && map.zoomControl.getContainer();
  if (!box) { return; }
  [[".leaflet-control-zoom-in", labels.zoom_in], [".leaflet-control-zoom-out", labels.zoom_out]].forEach(([sel, word]) => {
    const link = box.querySelector(sel);
    if (link && word) {
      link.title = word;
      link.setAttribute("aria-label", word);
    }
  });
}

/* A tab of the panel: its button in the tab list and its panel in the body. */
function makeTab(tab, tablist, body) {
  const tabButton = button("yiwu-dock-tab", tab.title);
  tabButton.id = `yiwu-tab-${tab.id}`;
  tabButton.setAttribute("role", "tab");
  tabButton.setAttribute("aria-controls", `yiwu-panel-${tab.id}`);
  tabButton.setAttribute("data-tab", tab.id);
  tabButton.addEventListener("click", () => { userOpens(() => { showTab(tab.id); }); });
  tabButton.addEventListener("keydown", tabKeys);
  tablist.appendChild(tabButton);
  const panel = el("section", "yiwu-dock-panel");
  panel.id = `yiwu-panel-${tab.id}`;
  panel.setAttribute("role", "tabpanel");
  panel.setAttribute("aria-labelledby", tabButton.id);
  panel.setAttribute("data-tab", tab.id);
  body.appendChild(panel);
  state.tabs[tab.id] = tabButton;
  state.panels[tab.id] = panel;
  (SLOTS[tab.id] || []).forEach((name) => { dockSlot(tab.id, name); });
  return panel;
}

/* Add a tab to the panel after the page is made (e.g. the editing tab, once the user may edit); returns its
   panel (hidden until shown). */
export function addTab(id, title) {
  if (state.panels[id]) { return state.panels[id]; }
  const panel = makeTab({id, title}, state.root.querySelector(".yiwu-dock-tabs"),
                        state.root.querySelector(".yiwu-dock-body"));
  panel.hidden = true;
  state.tabs[id].setAttribute("aria-selected", "false");
  state.tabs[id].tabIndex = -1;
  return panel;
}

function watchSize(map) {
  window.matchMedia(WIDE).addEventListener("change", () => { setOpen(!isSheet()); });
  map.invalidateSize();  // the map's cell, now that the panel takes its own (the centre stays)
  let queued = false;
  new ResizeObserver(() => {  // the map follows its grid cell (panel opened, sheet expanded, window resized)
    if (queued) { return; }
    queued = true;
    requestAnimationFrame(() => { queued = false; map.invalidateSize(); });
  }).observe(map.getContainer());
}

/* The panel with the view's tabs (`opts`: lang, labels, tabs [{id, title}], default_tab; webmap/build.py). */
export function layout(map, opts) {
  state.map = map;
  state.labels = opts.labels;
  const root = el("aside", "yiwu-dock");
  root.id = "yiwu-dock";
  root.setAttribute("aria-label", opts.labels.panel);
  const bar = el("div", "yiwu-dock-bar");
  const tablist = el("div", "yiwu-dock-tabs");
  tablist.setAttribute("role", "tablist");
  const body = el("div", "yiwu-dock-body");
  opts.tabs.forEach((tab) => { makeTab(tab, tablist, body); });
  state.toggle = button("yiwu-dock-toggle", "");
  body.id = "yiwu-dock-body";
  state.toggle.setAttribute("aria-controls", body.id);
  state.toggle.addEventListener("click", () => { userOpens(() => { setOpen(!state.open); }); });
  root.addEventListener("keydown", (ev) => { closeOnEscape(ev); });
  bar.appendChild(tablist);
  bar.appendChild(state.toggle);
  root.appendChild(bar);
  root.appendChild(body);
  L.DomEvent.disableScrollPropagation(root);
  document.body.appendChild(root);
  state.root = root;
  showTab(opts.default_tab, false);
  setOpen(!isSheet());
  nameZoomButtons(map, opts.labels);
  watchSize(map);
  return root;
}

/* How far the map's controls reach into the map from each corner (px). */
function cornerReach(map) {
  const box = map.getContainer().getBoundingClientRect();
  const reach = {tl: [0, 0], tr: [0, 0], bl: [0, 0], br: [0, 0]};
  const corners = {tl: ".leaflet-top.leaflet-left", tr: ".leaflet-top.leaflet-right",
                   bl: ".leaflet-bottom.leaflet-left", br: ".leaflet-bottom.leaflet-right"};
  Object.keys(corners).forEach((key) => {
    map.getContainer().querySelectorAll(`${corners[key]} > .leaflet-control`).forEach((node) => {
      if (!isShown(node)) { return; }
      const r = node.getBoundingClientRect();
      const w = key[1] === "l" ? r.right - box.left : box.right - r.left;
      const h = key[0] === "t" ? r.bottom - box.top : box.bottom - r.top;
      reach[key] = [Math.max(reach[key][0], w), Math.max(reach[key][1], h)];
    });
  });
  return reach;
}

/* Options of a popup that stays clear of the map's controls: auto-pan padding from the controls' reach, and a
   width and height that fit the map between them. */
export function popupOptions(map, extra) {
  const reach = cornerReach(map);
  const size = map.getSize();
  const tl = L.point(reach.tl[0] + 8, Math.max(reach.tr[1], 0) + 8);
  const br = L.point(8, Math.max(reach.bl[1], reach.br[1]) + 8);
  const maxWidth = Math.max(180, Math.min(380, size.x - tl.x - br.x - 30));
  const maxHeight = Math.max(160, Math.min(480, size.y - tl.y - br.y - 40));
  return L.extend({maxWidth, maxHeight, autoPanPaddingTopLeft: tl, autoPanPaddingBottomRight: br}, extra || {});
}

/* Padding for fitting a feature in view: the controls' reach on each side. */
export function fitPadding(map) {
  const reach = cornerReach(map);
  return {paddingTopLeft: L.point(reach.tl[0] + 12, reach.tr[1] + 12),
          paddingBottomRight: L.point(12, Math.max(reach.bl[1], reach.br[1]) + 12)};
}
