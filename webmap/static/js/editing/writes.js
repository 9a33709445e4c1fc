/* Writing an edit through OGC API – Features Part 4 (api/edit.py), the session's CSRF token sent by apiFetch:
   Save sends the changed attributes (and the geometry, if its vertices moved) as a JSON merge patch with If-Match =
   the ETag read when the edit started, or POSTs a new feature; Delete asks first, then DELETEs with If-Match. A 412
   (someone else changed the feature meanwhile) says so and offers to reload the current version; on success the
   layer is drawn anew at once and the panel says what was done, with the feature's history a click away. */
import {append, el} from "../dom.js";
import {apiFetch} from "../analysis/common.js";
import {changedValues} from "./form.js";
import {close, shapeGeometry} from "./session.js";
import {GEOJSON, actionButton, ctx, errorText, nameOf, refreshLayer, say, url, words} from "./state.js";

const MERGE_PATCH = "application/merge-patch+json";

/* After a write: the edit closed, the layer redrawn, the panel saying what was done (with Edit again and History
   for a feature that still exists). */
function done(edit, message, featureId, name) {
  close();
  refreshLayer(edit.layerId).catch((err) => { console.error("layer not redrawn", err); });
  const card = el("div", "yiwu-edit-done");
  if (featureId !== null) {
    const again = actionButton("yiwu-edit-again", words().edit_again, () => {
      ctx.actions.edit(edit.layerId, featureId);
    });
    const history = actionButton("yiwu-edit-history", words().history, () => {
      ctx.actions.history(edit.layerId, featureId, name, card);
    });
    append(card, [again, history]);
  }
  ctx.area.appendChild(card);
  say(message);
  (card.querySelector("button") || ctx.home).focus();
}

/* Someone else changed the feature since it was read: say so (an alert) and offer to reload it. */
function conflict(edit) {
  const box = el("div", "yiwu-edit-conflict");
  box.setAttribute("role", "alert");
  box.appendChild(el("p", null, words().conflict));
  const reload = actionButton("yiwu-edit-reload", words().reload, () => {
    refreshLayer(edit.layerId).catch((err) => { console.error("layer not redrawn", err); });
    ctx.actions.edit(edit.layerId, edit.featureId);
  });
  box.appendChild(reload);
  edit.extra.textContent = "";
  edit.extra.appendChild(box);
  say("");
  reload.focus();
}

function outcome(edit, response, verb) {
  if (response.status === 412) { return conflict(edit); }
  if (!response.ok) {
    return errorText(response).then((text) => { say(words().failed.replace("{error}", text), "error"); });
  }
  if (verb === "delete") { return done(edit, words().deleted.replace("{name}", edit.name), null, edit.name); }
  return response.json().then((feature) => {
    const name = nameOf(edit.layerId, String(feature.id), feature.properties);
    done(edit, words()[verb].replace("{name}", name), String(feature.id), name);
  });
}

function send(edit, method, target, body, headers) {
  if (edit.busy) { return Promise.resolve(); }
  edit.busy = true;
  say(words().saving);
  const init = {method, headers: L.extend({Accept: GEOJSON}, headers)};
  if (body) { init.body = JSON.stringify(body); }
  const verb = {POST: "created", PATCH: "saved", DELETE: "delete"}[method];
  return apiFetch(target, init).then((r) => outcome(edit, r, verb))
    .catch((err) => { say(words().failed.replace("{error}", err.message), "error"); })
    .finally(() => { edit.busy = false; });
}

/* Save the edit: a new feature POSTed; an existing one PATCHed with what changed, guarded by its ETag. */
export function save(edit) {
  if (!edit.form.reportValidity()) { return Promise.resolve(); }
  const properties = changedValues(edit.inputs);
  if (edit.featureId === null) {
    return send(edit, "POST", url(edit.layerId, "create"), {type: "Feature", properties,
                                                             geometry: shapeGeometry(edit)},
                {"Content-Type": GEOJSON});
  }
  const patch = Object.keys(properties).length ? {properties} : {};
  if (edit.geometryChanged) { patch.geometry = shapeGeometry(edit); }
  if (!Object.keys(patch).length) {
    close();
    say(words().unchanged);
    ctx.home.focus();
    return Promise.resolve();
  }
  return send(edit, "PATCH", url(edit.layerId, "item", edit.featureId), patch,
              {"Content-Type": MERGE_PATCH, "If-Match": edit.etag});
}

/* Ask before deleting (in the panel: Yes, delete / Keep it). */
export function confirmDelete(edit) {
  const box = el("div", "yiwu-edit-confirm");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", words().delete);
  const keep = actionButton("yiwu-edit-keep", words().keep, () => {
    edit.extra.textContent = "";
    edit.form.querySelector(".yiwu-edit-delete").focus();
  });
  const yes = actionButton("yiwu-edit-confirm-delete", words().confirm, () => {
    send(edit, "DELETE", url(edit.layerId, "item", edit.featureId), null, {"If-Match": edit.etag});
  });
  append(box, [el("p", null, words().confirm_delete), yes, keep]);
  edit.extra.textContent = "";
  edit.extra.appendChild(box);
  keep.focus();
}
