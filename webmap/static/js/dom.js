/* DOM helpers. Every text is set with textContent, never as HTML. */

/* An element with an optional class name and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
}

/* Append the children that are not null; returns the parent. */
export function append(parent, children) {
  children.forEach((child) => { if (child) { parent.appendChild(child); } });
  return parent;
}

/* A Leaflet control whose element `build()` makes; clicks and scrolls on it do not reach the map. */
export function control(map, position, build) {
  const ctl = L.control({position});
  ctl.onAdd = function () {
    const root = build();
    L.DomEvent.disableClickPropagation(root);
    L.DomEvent.disableScrollPropagation(root);
    return root;
  };
  return ctl.addTo(map);
}

/* A real <button type="button"> with its visible text; `label` (optional) names it for assistive technology where
   the visible text is a symbol. */
export function button(className, text, label) {
  const node = el("button", className, text);
  node.type = "button";
  if (label) {
    node.setAttribute("aria-label", label);
    node.title = label;
  }
  return node;
}

/* Whether an element is drawn (not display:none, not inside a hidden panel). */
export function isShown(node) {
  return Boolean(node) && node.getClientRects().length > 0;
}
