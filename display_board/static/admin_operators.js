// Operators: add one (the server answers a PIN, shown once), rename, role, the desks they may sit at,
// disable / enable, a new PIN (shown once). docs/admin-api.md "Operators".
import { el } from "./dom.js";
import { fill } from "./labels.js";
import { confirmAction } from "./confirm_dialog.js";
import { cardLabels, field, form, input, select, showRefusal } from "./admin_form.js";

const ROLES = ["operator", "supervisor", "admin"];

// The desks an operator may sit at, as ticks; none ticked = any desk.
function deskTicks(t, desks, chosen) {
  const box = el("div", { className: "ticks" }, ...desks.map((number) => el("label", { className: "tick" },
    el("input", { type: "checkbox", value: number, checked: chosen.includes(number) }), ` ${number}`)));
  box.value = () => [...box.querySelectorAll("input:checked")].map((node) => Number(node.value));
  return box;
}

// The PIN, shown once, in its own panel the admin closes after writing it down.
export function onceBox(title, secret, text, t, extra = []) {
  const box = el("div", { className: "once", role: "alert", dataset: { secret } },
    el("h3", {}, title), el("p", { className: "secret" }, secret), el("p", {}, text), ...extra);
  const done = el("button", { type: "button", className: "secondary" }, t.close);
  done.onclick = () => box.remove();
  box.append(done);
  return box;
}

export async function operatorsScreen(ctx) {
  const { api, t, lang } = ctx;
  const [{ operators }, { desks }] = await Promise.all([api.get("operators"), api.get("desks")]);
  const deskNumbers = desks.map((desk) => desk.number);
  const roleOptions = ROLES.map((role) => [role, t.roles[role]]);
  const notices = el("div", { id: "operator-notices" });

  const login = input({ id: "new-login", autocomplete: "off", maxLength: 64 });
  const name = input({ id: "new-name", maxLength: 200 });
  const role = select(roleOptions, "operator");
  role.id = "new-role";
  role.className = "short";
  const ticks = deskTicks(t, deskNumbers, []);
  ticks.id = "new-desks";
  const addForm = form(t, lang, [
    el("h2", {}, t.addOperator),
    el("div", { className: "grid2" }, field(t.login, login, "login"), field(t.name, name, "name")),
    field(t.role, role, "role"), field(t.allowedDesks, ticks, "desks", t.allowedDesksHint),
  ], async () => {
    const answer = await api.call("POST", "operators", { login: login.value.trim(), name: name.value.trim(),
                                                         role: role.value, desks: ticks.value() });
    notices.replaceChildren(onceBox(fill(t.pinOnceTitle, { login: answer.operator.login }), answer.pin, t.pinOnce, t));
    login.value = name.value = "";
    ctx.refreshList(answer.operator);
  }, { label: t.add });
  addForm.id = "add-operator";

  const rows = el("tbody", { id: "operators" });
  const headers = [t.loginColumn, t.name, t.role, t.allowedDesks, t.status];
  const render = (list) => {
    rows.replaceChildren(...list.map((operator) => row(ctx, operator, deskNumbers, roleOptions, notices, render, list)));
    cardLabels(rows, headers);
  };
  ctx.refreshList = (operator) => {
    const list = operators.filter((o) => o.login !== operator.login).concat([operator]).sort((a, b) => (a.login < b.login ? -1 : 1));
    operators.splice(0, operators.length, ...list);
    render(operators);
  };
  render(operators);
  return [el("section", {}, addForm), notices,
    el("section", {}, el("h2", {}, t.operators),
      el("table", { className: "list" }, el("thead", {}, el("tr", {}, ...[...headers, ""]
        .map((text) => el("th", {}, text)))), rows))];
}

function row(ctx, operator, deskNumbers, roleOptions, notices, render, list) {
  const { api, t, lang } = ctx;
  const tr = el("tr", { dataset: { login: operator.login }, className: operator.disabled ? "disabled" : "" },
    el("td", {}, el("b", {}, operator.login)), el("td", {}, operator.name), el("td", {}, t.roles[operator.role]),
    el("td", {}, operator.desks.length ? operator.desks.join(", ") : t.any),
    el("td", {}, operator.disabled ? t.disabled : t.active));
  const replace = (changed) => { list.splice(list.findIndex((o) => o.login === changed.login), 1, changed); render(list); };
  const edit = el("button", { type: "button", className: "small secondary edit" }, t.edit);
  const pin = el("button", { type: "button", className: "small secondary reset-pin" }, t.resetPin);
  const toggle = el("button", { type: "button", className: `small ${operator.disabled ? "" : "danger"} toggle` },
    operator.disabled ? t.enable : t.disable);
  const error = el("span", { className: "field-error error", role: "alert" });
  tr.append(el("td", { className: "actions" }, edit, pin, toggle, error));

  pin.onclick = async () => {
    if (!await confirmAction({ title: fill(t.confirmPinTitle, { login: operator.login }), body: [t.confirmPinBody],
                               confirm: t.resetPin, cancel: t.cancel })) return;
    try {
      const answer = await api.call("POST", `operators/${operator.login}/pin`);
      notices.replaceChildren(onceBox(fill(t.pinOnceTitle, { login: operator.login }), answer.pin, t.pinOnce, t));
    } catch (failure) { showRefusal(tr, failure, lang); error.textContent = failure.error.message[lang]; }
  };
  toggle.onclick = async () => {
    if (!operator.disabled && !await confirmAction({ title: fill(t.confirmDisableTitle, { login: operator.login }),
        body: [t.confirmDisableBody], confirm: t.disable, cancel: t.cancel })) return;
    try {
      replace((await api.call("PATCH", `operators/${operator.login}`, { disabled: !operator.disabled })).operator);
    } catch (failure) { error.textContent = failure.error.message[lang]; }
  };
  edit.onclick = () => {
    const name = input({ value: operator.name, maxLength: 200 });
    const role = select(roleOptions, operator.role);
    const ticks = deskTicks(t, deskNumbers, operator.desks);
    const editor = form(t, lang, [field(t.name, name, "name"), field(t.role, role, "role"),
      field(t.allowedDesks, ticks, "desks", t.allowedDesksHint)], async () => {
      replace((await api.call("PATCH", `operators/${operator.login}`, { name: name.value.trim(), role: role.value,
                                                                       desks: ticks.value() })).operator);
    });
    const cancel = el("button", { type: "button", className: "secondary" }, t.cancel);
    cancel.onclick = () => render(list);
    editor.querySelector(".form-footer").prepend(cancel);
    tr.replaceChildren(el("td", { colSpan: 6 }, el("b", {}, operator.login), editor));
    name.focus();
  };
  return tr;
}
