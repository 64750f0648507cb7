// Desks: open or closed by default, zone, working days, and the plan — the services it serves with their
// weights, chosen by name with the shared desk-plan editor (plan_editor.js) — and copying one desk's plan
// to others. A plan saved here is the centre's plan: the next call follows it (docs/admin-api.md "Desks").
import { el } from "./dom.js";
import { fill } from "./labels.js";
import { confirmAction } from "./confirm_dialog.js";
import { PlanEditor } from "./plan_editor.js";
import { checkbox, field, form, input, serviceTree } from "./admin_form.js";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
let chosen = null;  // the desk being edited, kept while the admin moves between screens

function weekdayTicks(t, days) {
  const box = el("div", { className: "ticks", id: "desk-days" }, ...WEEKDAYS.map((day) => el("label", { className: "tick" },
    el("input", { type: "checkbox", value: day, checked: days.includes(day) }), ` ${t.weekdays[day]}`)));
  box.value = () => [...box.querySelectorAll("input:checked")].map((node) => node.value);
  return box;
}

export async function desksScreen(ctx) {
  const { api, t } = ctx;
  const [{ desks }, catalogue] = await Promise.all([api.get("desks"), api.get("services")]);
  const tree = serviceTree(catalogue);
  if (!desks.some((desk) => desk.number === chosen)) chosen = desks.length ? desks[0].number : null;
  const list = el("ul", { className: "desk-list", id: "desk-list" });
  const editorBox = el("section", { id: "desk-editor" });
  const open = (number) => {
    chosen = number;
    list.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.desk) === number)));
    const desk = desks.find((d) => d.number === number) || { number, zone: desks.length ? desks[desks.length - 1].zone : "А",
                                                             open_by_default: true, days: [], services: [] };
    editorBox.replaceChildren(...deskEditor(ctx, desk, desks, tree, drawList));
  };
  // Drawn again after a save or a copy, so the list never contradicts the editor beside it.
  const drawList = () => list.replaceChildren(...desks.map((desk) => {
    const button = el("button", { type: "button", className: `desk-pick${desk.open_by_default ? "" : " closed"}`,
                                  dataset: { desk: desk.number }, ariaPressed: String(desk.number === chosen) },
      el("b", {}, `${t.desk} ${desk.number}`), el("small", {}, `${t.zone} ${desk.zone} · ${fill(t.servicesCount, { count: desk.services.length }, ctx.lang)}`),
      !desk.open_by_default && el("small", {}, t.closedByDefault));
    button.onclick = () => open(desk.number);
    return el("li", {}, button);
  }));
  drawList();
  const number = input({ type: "number", min: 1, max: 999, id: "new-desk-number" });
  const add = el("button", { type: "button", id: "new-desk", className: "secondary" }, t.add);
  add.onclick = () => { if (number.value) open(Number(number.value)); };
  if (chosen !== null) open(chosen);
  return [el("div", { className: "split" },
    el("section", { className: "side" }, el("h2", {}, t.desks), list,
      el("div", { className: "row" }, field(t.newDesk, number, "number"), add)),
    editorBox)];
}

function deskEditor(ctx, desk, desks, tree, redrawList) {
  const { api, t, lang } = ctx;
  const exists = desks.some((d) => d.number === desk.number);
  const zone = input({ value: desk.zone, maxLength: 40, id: "desk-zone" });
  const openByDefault = checkbox(t.openByDefault, desk.open_by_default, "open_by_default");
  const days = weekdayTicks(t, desk.days);
  const plan = new PlanEditor({ tree, lang, id: "desk-plan" });
  plan.set(Object.fromEntries(desk.services.map((entry) => [entry.service, entry.weight])));
  const planField = el("div", { className: "field", dataset: { field: "services" } }, plan.element,
    el("span", { className: "field-error error", role: "alert" }));
  // `services.3.weight` is the plan's fourth row.
  const locate = (name, message) => {
    const match = /^services(?:\.(\d+))?/.exec(name);
    if (!match) return false;
    const ids = Object.keys(plan.value());
    plan.showError(message, match[1] === undefined ? null : ids[Number(match[1])]);
    return true;
  };
  const save = form(t, lang, [
    el("h2", {}, `${t.desk} ${desk.number}`),
    el("p", { className: "hint" }, t.planIsCentre),
    el("div", { className: "grid2" }, field(t.zone, zone, "zone"), openByDefault),
    field(t.workDays, days, "days", t.workDaysHint), planField,
  ], async () => {
    plan.clearErrors();
    const answer = await api.call("PUT", `desks/${desk.number}`, { zone: zone.value.trim(), open_by_default:
      openByDefault.querySelector("input").checked, days: days.value(),
      services: Object.entries(plan.value()).map(([service, weight]) => ({ service, weight })) });
    Object.assign(desk, answer.desk);
    if (!exists) ctx.refresh();
    else redrawList();
  }, { locate });
  save.id = "desk-form";
  const parts = [save];
  if (!exists) return parts;

  // Copy this plan to other desks: ticks of the others, then a confirmation naming them.
  const others = desks.filter((d) => d.number !== desk.number);
  const ticks = el("div", { className: "ticks", id: "copy-to" }, ...others.map((d) => el("label", { className: "tick" },
    el("input", { type: "checkbox", value: d.number }), ` ${d.number}`)));
  const copyStatus = el("span", { className: "saved", role: "status" });
  const copyError = el("p", { className: "error", role: "alert" });
  const copy = el("button", { type: "button", id: "copy-plan" }, t.copy);
  copy.onclick = async () => {
    const to = [...ticks.querySelectorAll("input:checked")].map((node) => Number(node.value));
    copyStatus.textContent = copyError.textContent = "";
    if (to.length === 0) return;
    const names = to.join(", ");
    if (!await confirmAction({ title: fill(t.confirmCopyTitle, { desks: names }), body: [fill(t.confirmCopyBody, { desk: desk.number })],
                               confirm: t.copy, cancel: t.cancel })) return;
    try {
      const answer = await api.call("POST", `desks/${desk.number}/copy`, { to });
      for (const changed of answer.desks) Object.assign(desks.find((d) => d.number === changed.number) || {}, changed);
      redrawList();
      copyStatus.textContent = fill(t.copied, { desks: names });
    } catch (failure) { copyError.textContent = failure.error.message[lang]; }
  };
  const remove = el("button", { type: "button", className: "danger", id: "delete-desk" }, t.deleteDesk);
  const removeError = el("p", { className: "error", role: "alert" });
  remove.onclick = async () => {
    if (!await confirmAction({ title: fill(t.confirmDeleteDeskTitle, { desk: desk.number }), body: [t.confirmDeleteDeskBody],
                               confirm: t.deleteDesk, cancel: t.cancel })) return;
    try { await api.call("DELETE", `desks/${desk.number}`); ctx.refresh(); } catch (failure) { removeError.textContent = failure.error.message[lang]; }
  };
  parts.push(el("div", { className: "copy-plan" }, el("h3", {}, t.copyPlan), ticks, el("div", { className: "row" }, copy, copyStatus), copyError),
             el("div", { className: "row danger-zone" }, remove, removeError));
  return parts;
}
