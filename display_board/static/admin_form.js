// The admin section's plumbing: the REST calls (docs/admin-api.md) and forms whose refusals are shown next to
// the field they are about, in the page's language (the server names the field in `params.field`).
import { el } from "./dom.js";

export class AdminApi {
  constructor(token) { this.token = token; }

  // The reply's JSON; a refusal throws {status, error: {code, message: {uk, en}, params}}.
  async call(method, path, body = undefined) {
    const response = await fetch(`/api/admin/${path}`, {
      method, headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) throw { status: response.status, error: data.error || { code: "http", message: { uk: `${response.status}`, en: `${response.status}` } } };
    return data;
  }

  get(path) { return this.call("GET", path); }
}

// Which field a domain refusal is about when the server does not name one (docs/admin-api.md, the table).
const FIELD_OF = { login_taken: "login", prefix_taken: "prefix", desk_serves_nothing: "services",
                   service_unserved: "desks", bundle_too_small: "services", category_empty: "services",
                   unknown_desk: "desks", last_admin: "role" };

// A labelled input: <label class="field" data-field=name>text input <span class=field-error></label>.
export function field(text, input, name, hint = null) {
  return el("label", { className: "field", dataset: { field: name } }, el("span", { className: "field-name" }, text), input,
    hint && el("small", { className: "hint" }, hint), el("span", { className: "field-error error", role: "alert" }));
}

export function input(props = {}) { return el("input", { type: "text", ...props }); }

export function checkbox(text, checked, name) {
  return el("label", { className: "check field", dataset: { field: name } }, el("input", { type: "checkbox", checked }),
    el("span", {}, text), el("span", { className: "field-error error", role: "alert" }));
}

export function select(options, value) {
  const node = el("select", {}, ...options.map(([id, text]) => new Option(text, id)));
  node.value = value;
  return node;
}

// A form's footer: the save button, its "saved" status and the form's own error line.
export function footer(t, label = t.save) {
  return el("div", { className: "row form-footer" }, el("button", { type: "submit", className: "save" }, label),
    el("span", { className: "saved", role: "status" }), el("p", { className: "form-error error", role: "alert" }));
}

export function clearRefusal(root) {
  root.querySelectorAll(".field-error, .form-error").forEach((node) => { node.textContent = ""; });
  root.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  root.querySelectorAll(".saved").forEach((node) => { node.textContent = ""; });
}

// The field a dotted name is about: `services.0.weight`, then `services.0`, then `services`; inside a group
// (`first_service.prefix`: the new category's first service) the rest of the name is looked for in the group.
function locateField(root, parts) {
  for (let n = parts.length; n > 0; n -= 1) {
    const target = root.querySelector(`[data-field="${CSS.escape(parts.slice(0, n).join("."))}"]`);
    if (!target) continue;
    const inner = n < parts.length ? locateField(target, parts.slice(n)) : null;
    if (inner) return inner;
    if (target.querySelector(":scope > .field-error")) return target;
  }
  return null;
}

// Show a refusal beside its field, else on the form's own error line.
// `locate(field, error)` may handle a field itself (the plan editor's rows) and return true.
export function showRefusal(root, failure, lang, locate = () => false) {
  const error = failure.error || failure;
  const message = error.message ? error.message[lang] || error.message.uk : String(failure);
  const name = (error.params && error.params.field) || FIELD_OF[error.code] || null;
  if (name && locate(name, message)) return;
  const target = name ? locateField(root, name.split(".")) : null;
  if (target) {
    target.querySelector(":scope > .field-error").textContent = message;
    const control = target.querySelector("input, select, textarea");
    if (control) { control.setAttribute("aria-invalid", "true"); control.focus(); }
    return;
  }
  const line = root.querySelector(".form-error");
  if (line) line.textContent = message;
}

export function saved(root, text) {
  const status = root.querySelector(".saved");
  if (status) status.textContent = text;
}

// A <form> whose submit runs `save()`; refusals land beside their fields, success says "saved".
export function form(t, lang, children, save, { label, locate } = {}) {
  const node = el("form", { className: "admin-form", noValidate: true }, ...children, footer(t, label));
  node.onsubmit = async (event) => {
    event.preventDefault();
    clearRefusal(node);
    try {
      const done = await save();
      if (done !== false) saved(node, t.saved);
    } catch (failure) {
      showRefusal(node, failure, lang, locate);
    }
  };
  return node;
}

// The trimmed text of an input, or null when empty (the API's "not set").
export function textOrNull(node) { const value = node.value.trim(); return value === "" ? null : value; }
export function numberOrNull(node) { const value = node.value.trim(); return value === "" ? null : Number(value); }

// The services tree in kiosk order, for the desk-plan editor and the pickers (plan_editor.js's shape).
export function serviceTree(catalogue) {
  const byId = new Map(catalogue.services.map((service) => [service.id, service]));
  return catalogue.categories.map((category) => ({ id: category.id, name: category.name,
    services: category.services.map((id) => byId.get(id)).filter(Boolean) }));
}

// On a phone a table's rows become cards: each cell carries its column's name (drawn by admin.css there).
export function cardLabels(tbody, headers) {
  for (const row of tbody.rows) [...row.cells].forEach((cell, index) => { if (headers[index]) cell.dataset.label = headers[index]; });
}
