// The change log: every administrator's change, newest first, filtered by person, kind and dates, paged by
// the server (GET /api/admin/audit: one indexed query per page). docs/admin-api.md "Audit".
import { el } from "./dom.js";
import { cardLabels, field, form, input, select } from "./admin_form.js";
import { wallTime } from "./labels.js";

const KINDS = ["operator", "desk", "service", "category", "bundle", "centre", "device", "import", "city"];
const filters = { login: "", kind: "", from: "", to: "" };  // kept between visits to the screen

export async function auditScreen(ctx) {
  const { api, t, lang } = ctx;
  const [{ operators }, { timezone }] = await Promise.all([api.get("operators"), api.get("centre")]);
  const who = select([["", t.everyone], ...operators.filter((o) => o.role === "admin").map((o) => [o.login, `${o.name} (${o.login})`])], filters.login);
  who.id = "audit-login";
  const kind = select([["", t.allKinds], ...KINDS.map((k) => [k, t.kinds[k]])], filters.kind);
  kind.id = "audit-kind";
  const from = input({ type: "date", value: filters.from, id: "audit-from" });
  const to = input({ type: "date", value: filters.to, id: "audit-to" });
  const body = el("tbody", { id: "audit" });
  const more = el("button", { type: "button", className: "secondary", id: "audit-more", hidden: true }, t.more);
  const empty = el("p", { className: "hint", hidden: true }, t.nothingYet);
  let next = null;

  const load = async (append) => {
    const query = new URLSearchParams({ limit: "50" });
    for (const [key, node] of [["login", who], ["kind", kind], ["from", from], ["to", to]]) if (node.value) query.set(key, node.value);
    if (append && next !== null) query.set("before", String(next));
    const page = await api.get(`audit?${query}`);
    const rows = page.entries.map((entry) => el("tr", { dataset: { seq: entry.seq, kind: entry.kind } },
      el("td", {}, wallTime(entry.at, timezone)), el("td", {}, entry.by), el("td", {}, t.kinds[entry.kind] || entry.kind),
      el("td", {}, entry.summary[lang] || entry.summary.uk)));
    if (append) body.append(...rows); else body.replaceChildren(...rows);
    cardLabels(body, [t.when, t.who, t.kind, t.change]);
    next = page.next_before;
    more.hidden = next === null;
    empty.hidden = body.children.length > 0;
  };
  const filter = form(t, lang, [el("div", { className: "grid4" }, field(t.who, who, "login"), field(t.kind, kind, "kind"),
    field(t.dateFrom, from, "from"), field(t.dateTo, to, "to"))], async () => {
    Object.assign(filters, { login: who.value, kind: kind.value, from: from.value, to: to.value });
    await load(false);
    return false;
  }, { label: t.show });
  filter.id = "audit-filter";
  more.onclick = () => load(true);
  await load(false);
  const exportLink = el("a", { href: "#", id: "export-config" }, t.exportConfig);
  exportLink.onclick = async (event) => {
    event.preventDefault();
    const text = await api.get("config");
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/plain" })), download: "hall.toml" });
    document.body.append(link);
    link.click();
    link.remove();
  };
  return [el("section", {}, filter), el("section", {}, el("h2", {}, t.audit),
    el("table", { className: "list" }, el("thead", {}, el("tr", {}, ...[t.when, t.who, t.kind, t.change].map((h) => el("th", {}, h)))), body),
    empty, more, el("p", {}, exportLink))];
}
