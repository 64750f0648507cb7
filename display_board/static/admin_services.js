// Services and categories: names in both languages, ticket prefix, average service time, daily limit,
// bookable, registry-backed, the information card, the order on the kiosk; and life situations (bundles).
// docs/admin-api.md "Services and categories".
import { el } from "./dom.js";
import { fill } from "./labels.js";
import { confirmAction } from "./confirm_dialog.js";
import { checkbox, field, form, input, numberOrNull, select, serviceTree, textOrNull } from "./admin_form.js";

let chosen = { kind: "service", id: null };  // what the editor shows, kept between visits to the screen

const text = (value, lang) => (value ? value[lang] || value.uk : "");
const both = (uk, en) => (uk.value.trim() ? { uk: uk.value.trim(), en: en.value.trim() } : null);

// Latin letters, digits and dashes from a name, for a new item's code (editable before it is saved).
function slug(value) {
  return value.toLowerCase().normalize("NFKD").replace(/['’ʼ]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 64);
}

export async function servicesScreen(ctx) {
  const { api, t, lang } = ctx;
  const [catalogue, { desks }] = await Promise.all([api.get("services"), api.get("desks")]);
  const tree = serviceTree(catalogue);
  const editor = el("section", { id: "service-editor" });
  const pick = (kind, id) => {
    chosen = { kind, id };
    navigation.querySelectorAll("button[data-id]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.kind === kind && b.dataset.id === id)));
    const parts = kind === "service" ? serviceEditor(ctx, catalogue, desks, id)
      : kind === "category" ? categoryEditor(ctx, catalogue, desks, id) : bundleEditor(ctx, catalogue, tree, id);
    editor.replaceChildren(...parts);
  };
  const button = (kind, id, label, extra = null) => {
    const node = el("button", { type: "button", className: `tree-pick ${kind}`, dataset: { kind, id } }, label, extra);
    node.onclick = () => pick(kind, id);
    return node;
  };
  const adder = (kind, label) => {
    const node = el("button", { type: "button", className: "small secondary", id: `new-${kind}` }, `+ ${label}`);
    node.onclick = () => pick(kind, null);
    return node;
  };
  const navigation = el("nav", { className: "side", id: "service-tree" },
    el("h2", {}, t.services), adder("service", t.newService), adder("category", t.newCategory),
    el("ul", { className: "tree" }, ...tree.map((category) => el("li", {},
      button("category", category.id, text(category.name, lang)),
      el("ul", {}, ...category.services.map((service) => el("li", {},
        button("service", service.id, text(service.name, lang), el("span", { className: "prefix-tag" }, service.prefix)))))))),
    el("h2", {}, t.bundles), adder("bundle", t.newBundle),
    el("ul", { className: "tree" }, ...catalogue.bundles.map((bundle) => el("li", {}, button("bundle", bundle.id, text(bundle.name, lang))))));
  const known = chosen.id === null || (chosen.kind === "service" ? catalogue.services : chosen.kind === "category"
    ? catalogue.categories : catalogue.bundles).some((item) => item.id === chosen.id);
  if (!known || (chosen.id === null && chosen.kind === "service")) chosen = { kind: "service", id: catalogue.services[0].id };
  pick(chosen.kind, chosen.id);
  return [el("div", { className: "split" }, navigation, editor)];
}

// The fields of a service (also a new category's first service); returns [nodes, body()].
function serviceFields(ctx, catalogue, desks, service, fixedCategory = null) {
  const { t, lang } = ctx;
  const s = service || { name: {}, prefix: "", avg_minutes: 10, daily_limit: null, bookable: true, registry: false,
                         documents: null, term: null, cost: null, hours: null, order: null, category: catalogue.categories[0].id };
  const f = {
    nameUk: input({ value: s.name.uk || "", maxLength: 200 }), nameEn: input({ value: s.name.en || "", maxLength: 200, lang: "en" }),
    prefix: input({ value: s.prefix, maxLength: 3, className: "short" }),
    avg: input({ type: "number", min: 0.5, max: 480, step: 0.5, value: s.avg_minutes, className: "short" }),
    limit: input({ type: "number", min: 1, max: 100000, value: s.daily_limit ?? "", className: "short" }),
    bookable: checkbox(t.bookable, s.bookable, "bookable"), registry: checkbox(t.registry, s.registry, "registry"),
    docsUk: el("textarea", { rows: 3, value: text(s.documents, "uk") }), docsEn: el("textarea", { rows: 3, value: s.documents ? s.documents.en : "", lang: "en" }),
    termUk: input({ value: text(s.term, "uk") }), termEn: input({ value: s.term ? s.term.en : "", lang: "en" }),
    costUk: input({ value: text(s.cost, "uk") }), costEn: input({ value: s.cost ? s.cost.en : "", lang: "en" }),
    hours: input({ value: s.hours || "", placeholder: "08:00-16:00", className: "short" }),
    order: input({ type: "number", min: 1, max: 10000, value: s.order ?? "", className: "short" }),
    category: select(catalogue.categories.map((c) => [c.id, text(c.name, lang)]), s.category),
    id: input({ maxLength: 64, autocomplete: "off" }),
  };
  if (!service) f.nameEn.oninput = () => { f.id.value = slug(f.nameEn.value); };
  const weights = new Map();
  const deskTicks = el("div", { className: "ticks" }, ...desks.map((desk) => {
    const weight = input({ type: "number", min: 0, max: 100, value: 10, className: "tiny" });
    weight.setAttribute("aria-label", `${t.desk} ${desk.number}`);
    const tick = el("input", { type: "checkbox" });
    weights.set(desk.number, [tick, weight]);
    return el("label", { className: "tick" }, tick, ` ${desk.number} `, weight);
  }));
  const nodes = [
    !service && field(t.serviceId, f.id, "id"),
    el("div", { className: "grid2" }, field(t.nameUk, f.nameUk, "name.uk"), field(t.nameEn, f.nameEn, "name.en")),
    el("div", { className: "grid4" }, field(t.prefix, f.prefix, "prefix"), field(t.avgMinutes, f.avg, "avg_minutes"),
      field(t.dailyLimit, f.limit, "daily_limit"), field(t.order, f.order, "order")),
    !fixedCategory && field(t.category, f.category, "category"),
    el("div", { className: "grid2" }, f.bookable, f.registry),
    field(t.serviceHours, f.hours, "hours"),
    el("fieldset", {}, el("legend", {}, t.card),
      el("div", { className: "grid2" }, field(t.documentsUk, f.docsUk, "documents.uk"), field(t.documentsEn, f.docsEn, "documents.en"),
        field(t.termUk, f.termUk, "term.uk"), field(t.termEn, f.termEn, "term.en"),
        field(t.costUk, f.costUk, "cost.uk"), field(t.costEn, f.costEn, "cost.en"))),
    !service && field(t.servedAt, deskTicks, "desks", t.servedAtHint),
  ];
  const body = () => ({
    ...(service ? {} : { desks: Object.fromEntries([...weights.entries()].filter(([, [tick]]) => tick.checked)
      .map(([number, [, weight]]) => [String(number), Number(weight.value)])) }),
    category: fixedCategory || f.category.value, prefix: f.prefix.value.trim(),
    name: { uk: f.nameUk.value.trim(), en: f.nameEn.value.trim() }, avg_minutes: Number(f.avg.value),
    daily_limit: numberOrNull(f.limit), bookable: f.bookable.querySelector("input").checked,
    registry: f.registry.querySelector("input").checked, documents: both(f.docsUk, f.docsEn),
    term: both(f.termUk, f.termEn), cost: both(f.costUk, f.costEn), days: s.days || [], hours: textOrNull(f.hours),
    order: numberOrNull(f.order),
  });
  return [nodes, body, f];
}

function deleteButton(ctx, label, path, name) {
  const { api, t, lang } = ctx;
  const button = el("button", { type: "button", className: "danger delete" }, label);
  const error = el("p", { className: "error", role: "alert" });
  button.onclick = async () => {
    if (!await confirmAction({ title: fill(t.confirmDeleteTitle, { name }), body: [t.confirmDeleteBody], confirm: label, cancel: t.cancel })) return;
    try { await api.call("DELETE", path); ctx.refresh(); } catch (failure) { error.textContent = failure.error.message[lang]; }
  };
  return el("div", { className: "row danger-zone" }, button, error);
}

function serviceEditor(ctx, catalogue, desks, id) {
  const { api, t, lang } = ctx;
  const service = catalogue.services.find((s) => s.id === id) || null;
  const [nodes, body, f] = serviceFields(ctx, catalogue, desks, service);
  const node = form(t, lang, [el("h2", {}, service ? text(service.name, lang) : t.newService), ...nodes], async () => {
    const answer = await api.call("PUT", `services/${service ? service.id : f.id.value.trim()}`, body());
    if (!service) { chosen = { kind: "service", id: answer.service.id }; ctx.refresh(); }
  });
  node.id = "service-form";
  return service ? [node, deleteButton(ctx, t.deleteService, `services/${service.id}`, text(service.name, lang))] : [node];
}

function categoryEditor(ctx, catalogue, desks, id) {
  const { api, t, lang } = ctx;
  const category = catalogue.categories.find((c) => c.id === id) || null;
  const nameUk = input({ value: category ? category.name.uk : "", maxLength: 200 });
  const nameEn = input({ value: category ? category.name.en : "", maxLength: 200, lang: "en" });
  const order = input({ type: "number", min: 1, max: 10000, value: category ? category.order : "", className: "short" });
  const code = input({ maxLength: 64 });
  if (!category) nameEn.oninput = () => { code.value = slug(nameEn.value); };
  const first = category ? null : serviceFields(ctx, catalogue, desks, null, "-");
  const node = form(t, lang, [
    el("h2", {}, category ? text(category.name, lang) : t.newCategory),
    !category && field(t.categoryId, code, "id"),
    el("div", { className: "grid2" }, field(t.nameUk, nameUk, "name.uk"), field(t.nameEn, nameEn, "name.en")),
    field(t.order, order, "order"),
    first && el("fieldset", { dataset: { field: "first_service" } }, el("legend", {}, t.newService), ...first[0]),
  ], async () => {
    const target = category ? category.id : code.value.trim();
    const payload = { name: { uk: nameUk.value.trim(), en: nameEn.value.trim() }, order: numberOrNull(order) };
    if (first) payload.first_service = { ...first[1](), category: target, id: first[2].id.value.trim() };
    await api.call("PUT", `categories/${target}`, payload);
    if (!category) { chosen = { kind: "category", id: target }; ctx.refresh(); }
  });
  node.id = "category-form";
  return category ? [node, deleteButton(ctx, t.remove, `categories/${category.id}`, text(category.name, lang))] : [node];
}

function bundleEditor(ctx, catalogue, tree, id) {
  const { api, t, lang } = ctx;
  const bundle = catalogue.bundles.find((b) => b.id === id) || null;
  const nameUk = input({ value: bundle ? bundle.name.uk : "", maxLength: 200 });
  const nameEn = input({ value: bundle ? bundle.name.en : "", maxLength: 200, lang: "en" });
  const code = input({ maxLength: 64 });
  if (!bundle) nameEn.oninput = () => { code.value = slug(nameEn.value); };
  const names = new Map(catalogue.services.map((s) => [s.id, text(s.name, lang)]));
  const chosenServices = bundle ? [...bundle.services] : [];
  const list = el("ol", { className: "bundle-services", id: "bundle-services" });
  const render = () => list.replaceChildren(...chosenServices.map((serviceId, index) => {
    const remove = el("button", { type: "button", className: "small secondary" }, "✕");
    remove.setAttribute("aria-label", `${t.remove}: ${names.get(serviceId)}`);
    remove.onclick = () => { chosenServices.splice(index, 1); render(); };
    return el("li", { dataset: { service: serviceId } }, names.get(serviceId) || serviceId, " ", remove);
  }));
  render();
  // A service chosen by its name from the tree (the browser's own type-ahead searches the list).
  const picker = el("select", { id: "bundle-add" }, new Option(t.chooseService, ""), ...tree.map((category) =>
    el("optgroup", { label: text(category.name, lang) }, ...category.services.map((s) => new Option(text(s.name, lang), s.id)))));
  picker.onchange = () => { if (picker.value && !chosenServices.includes(picker.value)) chosenServices.push(picker.value); picker.value = ""; render(); };
  const node = form(t, lang, [
    el("h2", {}, bundle ? text(bundle.name, lang) : t.newBundle),
    !bundle && field(t.bundleId, code, "id"),
    el("div", { className: "grid2" }, field(t.nameUk, nameUk, "name.uk"), field(t.nameEn, nameEn, "name.en")),
    field(t.bundleServices, el("div", {}, list, picker), "services"),
  ], async () => {
    const target = bundle ? bundle.id : code.value.trim();
    await api.call("PUT", `bundles/${target}`, { name: { uk: nameUk.value.trim(), en: nameEn.value.trim() }, services: chosenServices });
    if (!bundle) { chosen = { kind: "bundle", id: target }; ctx.refresh(); }
  });
  node.id = "bundle-form";
  return bundle ? [node, deleteButton(ctx, t.deleteBundle, `bundles/${bundle.id}`, text(bundle.name, lang))] : [node];
}
