/* Editing on the planner map, for editors and admins only: the page (the same for every reader) asks GET /me who is
   reading when a session is signed in (the page then carries <meta name="csrf-token">), and only for the roles
   editor and admin adds the panel's edit tab and an "Edit" button to the popups of the editable layers' features.
   The tab lists the editable layers (Add feature draws one) and holds the form of the edit under way (session.js),
   its writes (writes.js) and a feature's versions (history.js). Esc cancels the edit under way. `opts`:
   webmap/editing.py editing_options. */
import {append, el} from "../dom.js";
import {fetchJSON} from "../analysis/common.js";
import {layers, track} from "../layers.js";
import {addTab, showTab} from "../layout.js";
import {showHistory} from "./history.js";
import {cancel, startAdd, startEdit} from "./session.js";
import {actionButton, ctx, words} from "./state.js";
import {confirmDelete, save} from "./writes.js";

const EDIT_ROLES = ["editor", "admin"];
let user = null;  // {name, role} of the signed-in editor once editing is on

/* An "Edit" button under the fields of an editable feature's popup. */
function editButton(map, layerId, ev) {
  const feature = ev.layer ? ev.layer.feature : ev.feature;
  const featureId = ev.featureId !== undefined ? ev.featureId : feature && feature.id;
  if (featureId === undefined || featureId === null) { return; }
  const edit = actionButton("yiwu-edit-start", words().edit, () => {
    map.closePopup();
    showTab("edit");
    startEdit(layerId, String(featureId));
  });
  edit.setAttribute("data-feature", String(featureId));
  const box = el("div", "yiwu-edit-actions");
  box.appendChild(edit);
  ev.content.appendChild(box);
}

/* Add feature: a choice of layer (when there are several) and the button that starts drawing. */
function addBox() {
  const ids = Object.keys(ctx.opts.layers);
  const box = el("div", "yiwu-edit-add");
  const select = el("select");
  select.id = "yiwu-edit-add-layer";
  ids.forEach((id) => {
    const option = el("option", null, ctx.opts.layers[id].title);
    option.value = id;
    select.appendChild(option);
  });
  const label = el("label", null, words().add_layer);
  label.htmlFor = select.id;
  const add = actionButton("yiwu-edit-add-button", words().add, () => { startAdd(select.value); });
  append(box, ids.length > 1 ? [label, select, add] : [add]);
  if (ids.length === 1) { add.setAttribute("data-layer", ids[0]); }
  return box;
}

function panel(map) {
  const root = addTab("edit", words().tab);
  const head = el("h2", "yiwu-edit-heading", words().title);
  head.tabIndex = -1;
  const titles = Object.values(ctx.opts.layers).map((l) => l.title).join("、");
  const status = el("p", "yiwu-edit-status");
  status.setAttribute("role", "status");
  ctx.area = el("div", "yiwu-edit-area");
  append(root, [head, el("p", "yiwu-a-hint", words().intro.replace("{layers}", titles)), addBox(), status, ctx.area]);
  L.extend(ctx, {map, status, home: head});
  return root;
}

function enable(map, opts, me) {
  ctx.opts = opts;
  ctx.actions = {edit: startEdit, save, confirmDelete, history: showHistory};
  user = {name: me.name, role: me.role};
  panel(map);
  Object.keys(opts.layers).forEach((id) => {
    if (layers[id]) { layers[id].on("yiwu:content", (ev) => { editButton(map, id, ev); }); }
  });
  document.addEventListener("keydown", (ev) => {  // capture: an edit under way takes Esc before the panel does
    if (ev.key === "Escape" && cancel()) { ev.preventDefault(); }
  }, true);
}

/* Editing for the signed-in editor or admin (nothing for anyone else); counted among the page's pending fetches
   until /me has answered. */
export function editing(map, opts) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta || !Object.keys(opts.layers).length) { return null; }
  return track(fetchJSON(opts.urls.me, {headers: {Accept: "application/json"}, cache: "no-store"})
    .then((me) => { if (EDIT_ROLES.indexOf(me.role) >= 0) { enable(map, opts, me); } })
    .catch((err) => { console.error("editing not offered", err); }));
}

/* Who edits (null when editing is not offered on the page) and the edit under way. */
export function editingState() {
  const edit = ctx.current;
  return {user, edit: edit && !edit.drawing ? {layer: edit.layerId, feature: edit.featureId, etag: edit.etag,
                                               geometryChanged: Boolean(edit.geometryChanged)} : null};
}
