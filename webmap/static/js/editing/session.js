/* An edit of one feature: started from its popup's "Edit" (the feature read with its ETag, the layer's fields from
   its queryables) or by drawing a new one; while it lasts the feature is drawn as an editable shape (leaflet-geoman
   vertex editing) over its hidden original and its attributes are in a form in the panel's edit tab. Cancel (or
   Esc) puts the map back as it was. Saving and deleting are in writes.js. */
import {append, button, el} from "../dom.js";
import {featureGroups, layers} from "../layers.js";
import {fieldRows, fieldsOf} from "./form.js";
import {actionButton, ctx, nameOf, queryablesOf, readFeature, say, words} from "./state.js";

const EDIT_STYLE = {color: "#d9480f", weight: 3, opacity: 1, fillColor: "#ffa94d", fillOpacity: 0.3};
const DRAW_SHAPES = {point: "Marker", line: "Line", polygon: "Polygon"};

/* Hide a feature's own drawing while its editable copy is on the map; returns what shows it again. */
function hideOriginal(layerId, featureId) {
  const group = layers[layerId];
  if (!group || featureId === null) { return () => {}; }
  if (featureGroups()[layerId]) {
    const shown = group.getLayers().filter((f) => f.feature && String(f.feature.id) === featureId);
    shown.forEach((f) => { f.setStyle({opacity: 0, fillOpacity: 0}); });
    return () => { shown.forEach((f) => { group.resetStyle(f); }); };
  }
  group.setFeatureStyle(featureId, {opacity: 0, fillOpacity: 0, fill: false, stroke: false});
  return () => { group.resetFeatureStyle(featureId); };
}

/* The editable shape of an edit on the map, each part's vertices draggable; a change marks the geometry. */
function editShape(edit, drawn) {
  const group = drawn || L.featureGroup();
  if (!drawn && edit.feature.geometry) {
    L.geoJSON(edit.feature, {
      pmIgnore: false, bubblingMouseEvents: false, style: () => EDIT_STYLE,
      pointToLayer: (f, latlng) => L.marker(latlng, {pmIgnore: false, bubblingMouseEvents: false}),
    }).eachLayer((part) => { group.addLayer(part); });
  }
  group.addTo(ctx.map);
  group.eachLayer((part) => {
    if (!part.pm) { L.PM.reInitLayer(part); }
    part.pm.enable({allowSelfIntersection: false});
    part.on("pm:edit", () => { edit.geometryChanged = true; labelVertices(); });
    part.on("pm:vertexadded pm:vertexremoved", labelVertices);
  });
  labelVertices();
  return group;
}

/* Geoman's vertex handles (buttons to a screen reader) named in the page language: "vertex N", and the midpoints
   "add a vertex here". */
function labelVertices() {
  const text = words();
  const handles = ctx.map.getContainer().querySelectorAll(".leaflet-marker-pane .marker-icon");
  let n = 0;
  handles.forEach((handle) => {
    const middle = handle.classList.contains("marker-icon-middle");
    if (!middle) { n += 1; }
    handle.setAttribute("aria-label", middle ? text.add_vertex : text.vertex.replace("{n}", String(n)));
  });
}

/* The geometry of an edit's shape as GeoJSON (coordinates unrounded), or null. */
export function shapeGeometry(edit) {
  const part = edit.shape.getLayers()[0];
  return part ? part.toGeoJSON(false).geometry : null;
}

function heading(edit) {
  const text = words();
  const title = edit.featureId === null ? text.new_title.replace("{layer}", ctx.opts.layers[edit.layerId].title)
    : text.form_title.replace("{name}", edit.name);
  const h = el("h3", "yiwu-edit-title", title);
  h.id = "yiwu-edit-title";
  h.tabIndex = -1;
  return h;
}

function buttons(edit) {
  const text = words();
  const save = button("yiwu-edit-save", text.save);
  save.type = "submit";  // the form's submit: Enter in a field saves too
  const row = el("div", "yiwu-edit-buttons");
  append(row, [save, actionButton("yiwu-edit-cancel", text.cancel, () => { cancel(); })]);
  if (edit.featureId !== null) {
    append(row, [actionButton("yiwu-edit-history", text.history, () => {
      ctx.actions.history(edit.layerId, edit.featureId, edit.name, edit.extra);
    }),
                 actionButton("yiwu-edit-delete", text.delete, () => { ctx.actions.confirmDelete(edit); })]);
  }
  return row;
}

/* The form of an edit in the panel: heading, hint, the fields, the buttons, and room for the delete confirmation,
   the conflict notice and the history. */
function renderForm(edit) {
  const form = el("form", "yiwu-edit-form");
  form.setAttribute("aria-labelledby", "yiwu-edit-title");
  const made = fieldRows(edit.fields, edit.feature.properties || {}, words(), ctx.opts.value_words);
  edit.inputs = made.inputs;
  append(form, [...made.rows, buttons(edit)]);
  form.addEventListener("submit", (ev) => { ev.preventDefault(); ctx.actions.save(edit); });
  edit.form = form;
  edit.extra = el("div", "yiwu-edit-extra");
  const box = el("section", "yiwu-edit");
  box.setAttribute("data-layer", edit.layerId);
  box.setAttribute("data-feature", edit.featureId === null ? "" : edit.featureId);
  append(box, [heading(edit), el("p", "yiwu-a-hint", words().geometry_hint), form, edit.extra]);
  ctx.area.textContent = "";
  ctx.area.appendChild(box);
  const first = edit.inputs.find((i) => !i.field.readonly);
  (first ? first.node : box.querySelector("h3")).focus();
}

/* Start an edit of a feature drawn (or a new one): its shape editable on the map, its form in the panel. */
function open(edit, drawn) {
  edit.name = edit.featureId === null ? "" : nameOf(edit.layerId, edit.featureId, edit.feature.properties);
  edit.show = hideOriginal(edit.layerId, edit.featureId);
  edit.shape = editShape(edit, drawn);
  ctx.current = edit;
  renderForm(edit);
  say("");
}

/* Edit a feature of an editable layer (its popup's "Edit"): read it with its ETag and the layer's fields. */
export function startEdit(layerId, featureId) {
  cancel(true);
  say(words().loading);
  return Promise.all([readFeature(layerId, featureId), queryablesOf(layerId)]).then(([read, queryables]) => {
    open({layerId, featureId: String(featureId), etag: read.etag, feature: read.feature, geometryChanged: false,
          fields: fieldsOf(queryables, ctx.opts.readonly, ctx.opts.readonly_titles)});
  }).catch((err) => { say(words().failed.replace("{error}", err.message), "error"); });
}

/* Draw with geoman into a group of our own (not the page's drawings), the shape marked yiwuEdit (the site check
   and the drawings leave it alone); returns what puts geoman's options back. */
function drawInto(group, shape) {
  const pm = ctx.map.pm;
  const drawings = pm.getGlobalOptions().layerGroup;
  const tool = pm.Draw[shape];
  const saved = {snappable: tool.options.snappable, pathOptions: tool.options.pathOptions,
                 markerStyle: tool.options.markerStyle};
  pm.setGlobalOptions({layerGroup: group});
  pm.enableDraw(shape, {snappable: false, pathOptions: L.extend({yiwuEdit: true, pmIgnore: false}, EDIT_STYLE),
                        markerStyle: {yiwuEdit: true, pmIgnore: false, draggable: true, icon: new L.Icon.Default()}});
  return () => {
    pm.setGlobalOptions({layerGroup: drawings});
    L.setOptions(tool, saved);
  };
}

/* Add a feature to a layer: draw it on the map, then fill in its form. */
export function startAdd(layerId) {
  cancel(true);
  const group = L.featureGroup().addTo(ctx.map);
  const drawing = {group};
  drawing.onCreate = () => {
    drawing.restore();
    queryablesOf(layerId).then((queryables) => {
      const fields = fieldsOf(queryables, ctx.opts.readonly, ctx.opts.readonly_titles).filter((f) => !f.readonly);
      open({layerId, featureId: null, etag: null, feature: {properties: {}}, geometryChanged: true, fields}, group);
    }).catch((err) => { group.remove(); say(words().failed.replace("{error}", err.message), "error"); });
  };
  ctx.map.once("pm:create", drawing.onCreate);
  ctx.current = {layerId, drawing};
  drawing.restore = drawInto(group, DRAW_SHAPES[ctx.opts.layers[layerId].geometry]);
  say(words().draw_hint);
}

function stopDrawing(drawing) {
  ctx.map.off("pm:create", drawing.onCreate);
  ctx.map.pm.disableDraw();
  drawing.restore();
  drawing.group.remove();
}

/* End the edit under way: its shape off the map, the feature's own drawing back, the form gone. */
export function close() {
  const edit = ctx.current;
  ctx.current = null;
  if (!edit) { return null; }
  if (edit.drawing) { stopDrawing(edit.drawing); }
  if (edit.shape) {
    edit.shape.eachLayer((part) => { if (part.pm) { part.pm.disable(); } });
    edit.shape.remove();
  }
  if (edit.show) { edit.show(); }
  ctx.area.textContent = "";
  return edit;
}

/* Cancel the edit under way (Esc, Cancel): the map as it was. `quiet`: say nothing, keep the focus. Returns
   whether there was one. */
export function cancel(quiet) {
  if (!close()) { return false; }
  if (!quiet) {
    say(words().cancelled);
    ctx.home.focus();
  }
  return true;
}
