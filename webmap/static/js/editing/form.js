/* The attribute form of an edit: one labelled input per property of the layer's queryables (JSON Schema), typed
   by the schema — numbers as number inputs (integers in whole steps), yes/no as a choice, text as text — the
   provenance fields read-only; and the values a user changed, typed for the API. Values are set as input values
   and text, never as HTML. */
import {append, el} from "../dom.js";

const NUMBER_TYPES = ["integer", "number"];
let serial = 0;  // ids of the inputs, unique in the page

function isGeometry(schema) {
  return schema["x-ogc-role"] === "primary-geometry" || /^geometry/.test(String(schema.format || ""));
}

/* The fields of a layer: [{name, title, type, readonly}], the editable ones first (in the queryables' order). */
export function fieldsOf(queryables, readonly, titles) {
  const fields = Object.entries(queryables.properties || {}).filter(([, schema]) => !isGeometry(schema))
    .map(([name, schema]) => ({name, title: (titles || {})[name] || schema.title || name,
                               type: schema.type || "string", readonly: readonly.indexOf(name) >= 0}));
  return fields.filter((f) => !f.readonly).concat(fields.filter((f) => f.readonly));
}

function choiceInput(value, labels) {
  const select = el("select");
  [["", labels.none], ["true", labels.yes], ["false", labels.no]].forEach(([code, word]) => {
    const option = el("option", null, word);
    option.value = code;
    select.appendChild(option);
  });
  select.value = value === true ? "true" : value === false ? "false" : "";
  return select;
}

function typedInput(field, value) {
  const input = el("input");
  if (NUMBER_TYPES.indexOf(field.type) >= 0) {
    input.type = "number";
    input.step = field.type === "integer" ? "1" : "any";
    input.inputMode = field.type === "integer" ? "numeric" : "decimal";
  } else {
    input.type = "text";
    input.maxLength = 10000;
  }
  input.value = value === null || value === undefined ? "" : String(value);
  return input;
}

/* One field: its label and input (read-only ones say so), the input knowing its field and first value. */
function fieldRow(field, value, labels) {
  serial += 1;
  const id = `yiwu-edit-field-${serial}`;
  const row = el("div", `yiwu-edit-field${field.readonly ? " yiwu-edit-readonly" : ""}`);
  const label = el("label", null, field.title);
  label.htmlFor = id;
  const input = field.type === "boolean" && !field.readonly ? choiceInput(value, labels) : typedInput(field, value);
  input.id = id;
  input.name = field.name;
  input.setAttribute("data-field", field.name);
  append(row, [label, input]);
  if (field.readonly) {
    input.readOnly = true;
    const note = el("span", "yiwu-edit-note", labels.readonly);
    note.id = `${id}-note`;
    input.setAttribute("aria-describedby", note.id);
    row.appendChild(note);
  }
  return {row, input: {field, node: input, first: value === undefined ? null : value}};
}

/* The rows of the form for a feature's properties (coded read-only values as words: `valueWords`); returns
   {rows, inputs}. */
export function fieldRows(fields, properties, labels, valueWords) {
  const made = fields.map((field) => {
    const words = field.readonly && valueWords ? valueWords[field.name] : null;
    const value = properties[field.name];
    return fieldRow(field, words && words[value] ? words[value] : value, labels);
  });
  return {rows: made.map((m) => m.row), inputs: made.map((m) => m.input)};
}

function valueOf(input) {
  const raw = input.node.value;
  if (raw === "") { return null; }
  if (input.field.type === "boolean") { return raw === "true"; }
  return NUMBER_TYPES.indexOf(input.field.type) >= 0 ? Number(raw) : raw;
}

/* The properties a user changed, typed for the API (an emptied field is null); read-only fields never. */
export function changedValues(inputs) {
  const out = {};
  inputs.forEach((input) => {
    if (input.field.readonly) { return; }
    const value = valueOf(input);
    if (value !== input.first) { out[input.field.name] = value; }
  });
  return out;
}
