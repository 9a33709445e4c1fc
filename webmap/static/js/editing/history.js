/* A feature's versions (GET …/items/{id}/history): newest first, each with what was done, by whom, when (in the
   page language's date format) and which fields changed from the version before. Every value is text. */
import {append, el} from "../dom.js";
import {fetchJSON, grid} from "../analysis/common.js";
import {say, url, words} from "./state.js";

function changedFields(version, before) {
  const text = words();
  if (!before || !version.feature || !before.feature) { return ""; }
  const now = version.feature.properties || {};
  const then = before.feature.properties || {};
  const names = Object.keys(L.extend({}, then, now)).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(then[k]));
  if (JSON.stringify(version.feature.geometry) !== JSON.stringify(before.feature.geometry)) {
    names.push(text.geometry);
  }
  return names.join("、");
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) { return iso; }
  const locale = document.documentElement.lang === "en" ? "en-GB" : "zh-CN";
  return date.toLocaleString(locale, {dateStyle: "medium", timeStyle: "medium"});
}

/* The table of the versions, newest first. */
export function versionTable(versions) {
  const text = words();
  const rows = versions.map((v, i) => [v.version, text.actions[v.action] || v.action, v.actor, when(v.at),
                                       changedFields(v, versions[i - 1])]).reverse();
  return grid([text.version, text.action, text.who, text.when, text.changes], rows, "yiwu-edit-versions");
}

/* Show the versions of a feature in `target` (under the form, or under what was just saved). */
export function showHistory(layerId, featureId, name, target) {
  const before = document.querySelector(".yiwu-edit-status").textContent;  // what was said stays said
  say(words().loading);
  return fetchJSON(url(layerId, "history", featureId), {headers: {Accept: "application/json"}, cache: "no-store"})
    .then((doc) => {
      const box = el("section", "yiwu-edit-history-list");
      const title = el("h4", null, words().history_title.replace("{name}", name));
      title.tabIndex = -1;
      append(box, [title, versionTable(doc.versions || [])]);
      const old = target.querySelector(".yiwu-edit-history-list");
      if (old) { old.remove(); }
      target.appendChild(box);
      say(before);
      title.focus();
    })
    .catch((err) => { say(words().failed.replace("{error}", err.message), "error"); });
}
