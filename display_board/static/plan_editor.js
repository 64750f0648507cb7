// A desk's plan — the services it serves, each with a weight — edited by NAME, never by typing identifiers.
// One module for both places that edit a plan: the admin section (a desk's default plan, PUT
// /api/admin/desks/{n}) and the supervisor's dashboard (today's weights, `set_desk_services`).
//
//   const editor = new PlanEditor({ tree, lang, id: "weights" });
//   form.append(editor.element); editor.set({ "id-card": 10 }); editor.value() -> { "id-card": 10 }
//
// `tree`: the services tree, [{id, name: {uk, en}, services: [{id, name: {uk, en}, prefix}]}], in kiosk order.
// The search matches either language's name and the ticket prefix, ignoring case and apostrophe forms.
import { fill, pick } from "./labels.js";
import { el } from "./dom.js";
import { PLAN_LABELS } from "./plan_labels.js";

const DEFAULT_WEIGHT = 10;
const MAX_WEIGHT = 100;

function normal(text) {
  return String(text || "").toLocaleLowerCase("uk").replace(/[’ʼ'`]/g, "’");
}

export class PlanEditor {
  constructor({ tree, lang, id = "plan" }) {
    this.tree = tree;
    this.lang = lang;
    this.t = pick(PLAN_LABELS, lang);
    this.services = new Map();  // id -> {service, category}
    for (const category of tree) for (const service of category.services) this.services.set(service.id, { service, category });
    this.plan = new Map();      // service id -> weight, in the order they were added
    this.rows = el("ul", { className: "plan-rows", id: `${id}-rows` });
    this.empty = el("p", { className: "plan-empty" }, this.t.planEmpty);
    this.count = el("span", { className: "plan-count" });
    this.search = el("input", { type: "search", id: `${id}-search`, className: "plan-search", autocomplete: "off",
                                placeholder: this.t.planSearch });
    this.search.setAttribute("aria-controls", `${id}-results`);
    this.results = el("div", { className: "plan-results", id: `${id}-results` });
    this.search.oninput = () => this.renderResults();
    this.error = el("p", { className: "error plan-error", role: "alert" });
    this.element = el("div", { className: "plan-editor", id },
      el("div", { className: "plan-head" }, el("b", {}, this.t.planServes), " ", this.count),
      this.empty, this.rows, this.error,
      el("label", { className: "plan-add", htmlFor: `${id}-search` }, this.t.planAdd), this.search, this.results,
      el("p", { className: "hint" }, this.t.planHint));
    this.render();
  }

  name(serviceId) {
    const entry = this.services.get(serviceId);
    return entry ? entry.service.name[this.lang] || entry.service.name.uk : serviceId;
  }

  // Replace the plan shown ({serviceId: weight}); a plan keeps the server's order.
  set(weights) {
    this.plan = new Map(Object.entries(weights || {}));
    this.search.value = "";
    this.render();
  }

  // The plan as the server takes it; a weight left empty or out of range is sent as typed (the server
  // refuses it with the field named, and the message is shown beside that row).
  value() {
    return Object.fromEntries([...this.plan.entries()].map(([id, weight]) => [id, Number(weight)]));
  }

  add(serviceId) {
    if (!this.plan.has(serviceId)) this.plan.set(serviceId, DEFAULT_WEIGHT);
    this.render();
    const input = this.rows.querySelector(`[data-service="${CSS.escape(serviceId)}"] input`);
    if (input) input.focus();
  }

  remove(serviceId) {
    this.plan.delete(serviceId);
    this.render();
    this.search.focus();
  }

  // A refusal about one row (`weights.birth`, `services.birth`), or about the plan as a whole.
  showError(message, serviceId = null) {
    this.clearErrors();
    const row = serviceId && this.rows.querySelector(`[data-service="${CSS.escape(serviceId)}"]`);
    if (row) {
      row.classList.add("invalid");
      row.querySelector(".row-error").textContent = message;
      row.querySelector("input").setAttribute("aria-invalid", "true");
    } else {
      this.error.textContent = message;
    }
  }

  clearErrors() {
    this.error.textContent = "";
    for (const row of this.rows.children) {
      row.classList.remove("invalid");
      row.querySelector(".row-error").textContent = "";
      row.querySelector("input").removeAttribute("aria-invalid");
    }
  }

  render() {
    this.empty.hidden = this.plan.size > 0;
    this.count.textContent = `(${fill(this.t.planCount, { count: this.plan.size }, this.lang)})`;
    this.rows.replaceChildren(...[...this.plan.entries()].map(([serviceId, weight]) => {
      const entry = this.services.get(serviceId);
      const name = this.name(serviceId);
      const input = el("input", { type: "number", min: 0, max: MAX_WEIGHT, step: 1, value: weight, className: "weight" });
      input.setAttribute("aria-label", `${this.t.planWeight}: ${name}`);
      input.oninput = () => this.plan.set(serviceId, input.value);
      const remove = el("button", { type: "button", className: "small secondary remove", textContent: "✕",
                                    title: fill(this.t.planRemove, { name }) });
      remove.setAttribute("aria-label", fill(this.t.planRemove, { name }));
      remove.onclick = () => this.remove(serviceId);
      return el("li", { dataset: { service: serviceId } },
        el("span", { className: "service" }, entry && el("span", { className: "prefix" }, entry.service.prefix), name,
          entry && el("small", {}, entry.category.name[this.lang] || entry.category.name.uk)),
        el("label", { className: "weight-label" }, el("span", {}, this.t.planWeight), input), remove,
        el("span", { className: "row-error error", role: "alert" }));
    }));
    this.renderResults();
  }

  // The services tree filtered by the search: categories folded while nothing is typed, open on a search.
  renderResults() {
    const query = normal(this.search.value.trim());
    const groups = [];
    for (const category of this.tree) {
      const matches = category.services.filter((service) => !query || [service.name.uk, service.name.en,
        service.prefix, category.name.uk, category.name.en].some((text) => normal(text).includes(query)));
      if (matches.length === 0) continue;
      const buttons = matches.map((service) => {
        const inPlan = this.plan.has(service.id);
        const button = el("button", { type: "button", className: "pick", disabled: inPlan,
                                      dataset: { add: service.id } },
          el("span", { className: "prefix" }, service.prefix), service.name[this.lang] || service.name.uk,
          inPlan && el("small", {}, ` — ${this.t.planAdded}`));
        button.onclick = () => this.add(service.id);
        return el("li", {}, button);
      });
      groups.push(el("details", { open: Boolean(query), dataset: { category: category.id } },
        el("summary", {}, category.name[this.lang] || category.name.uk, ` (${matches.length})`),
        el("ul", {}, ...buttons)));
    }
    this.results.replaceChildren(...(groups.length ? groups : [el("p", { className: "hint" }, this.t.planNoMatch)]));
  }
}

// The tree from GET /api/hall (`categories` with `service_ids`, `services` by id).
export function treeFromHall(hall) {
  return hall.categories.map((category) => ({
    id: category.id, name: category.name,
    services: category.service_ids.filter((id) => hall.services[id]).map((id) => hall.services[id]),
  }));
}
