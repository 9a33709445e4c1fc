/* The map by keyboard (issue 17; WCAG 2.1.1, 2.4.1, 4.1.3): skip links to the map and to the panel at the top of
   the page; the map itself named for what its keys do (Leaflet's keyboard handler: arrows pan, +/- zoom, Esc
   closes the popup); a ring at the map's centre while the map has keyboard focus, where Enter opens the feature
   under it as a click there would (hits.js resolves it: a popup, or the chooser where features overlap); every
   popup opened and closed said in a polite live region, and the focus kept on the map when a popup closes from
   inside it. `words`: the page language's skip_map, skip_panel, map_label, popup_opened, popup_closed. */
import {el} from "./dom.js";

let live = null;
let shown = null;  // the map's open popup

/* Say a text in the page's polite live region (made once). */
export function announce(text) {
  if (!live) {
    live = el("div", "yiwu-live");
    live.id = "yiwu-live";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    document.body.appendChild(live);
  }
  live.textContent = "";
  setTimeout(() => { live.textContent = text; }, 50);  // a new text, so it is read even when it repeats
}

function skipLink(text, target) {
  const link = el("a", "yiwu-skip", text);
  link.href = `#${target.id}`;
  link.addEventListener("click", (ev) => {
    ev.preventDefault();
    target.focus();
  });
  return link;
}

function skipLinks(map, words) {
  const panel = document.getElementById("yiwu-dock");
  const links = [skipLink(words.skip_map, map.getContainer())];
  if (panel) {
    panel.setAttribute("tabindex", "-1");
    links.push(skipLink(words.skip_panel, panel));
  }
  links.reverse().forEach((link) => { document.body.insertBefore(link, document.body.firstChild); });
}

function popupName(popup) {
  const node = popup.getElement();
  const title = node && node.querySelector(".yiwu-popup-title, .yiwu-chooser-title");
  return title ? title.textContent : "";
}

function followPopups(map, words) {
  const container = map.getContainer();
  map.on("popupopen", (ev) => {
    shown = ev.popup;
    announce(words.popup_opened.replace("{name}", popupName(ev.popup)));
  });
  map.on("popupclose", (ev) => {
    if (shown === ev.popup) { shown = null; }
    const node = ev.popup.getElement();
    const inside = node && node.contains(document.activeElement);
    if (inside || document.activeElement === document.body) { container.focus({preventScroll: true}); }
    announce(words.popup_closed);
  });
}

/* Enter on the map opens what is under its centre; Esc anywhere in the map (its popup too) closes the popup. */
function mapKeys(map, ev) {
  const container = map.getContainer();
  if (ev.key === "Escape" && shown) {
    ev.preventDefault();
    map.closePopup();
  } else if (ev.key === "Enter" && ev.target === container) {
    ev.preventDefault();
    const latlng = map.getCenter();
    map.fire("click", {latlng, layerPoint: map.latLngToLayerPoint(latlng),
                       containerPoint: map.latLngToContainerPoint(latlng)});
  }
}

/* Keyboard access to a map page's map. */
export function keyboardAccess(map, words) {
  const container = map.getContainer();
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", words.map_label);
  container.appendChild(el("div", "yiwu-cursor"));
  container.addEventListener("keydown", (ev) => { mapKeys(map, ev); });
  followPopups(map, words);
  skipLinks(map, words);
}
