// The city's reports (docs/city.md, "City reports"): a range, branches and a service chosen; the city's figures,
// each branch's weekday × hour load as a heat map, branches and services compared, feedback, CSV/XLSX exports.
// The staff token is asked for once and kept in this tab's sessionStorage; it goes as the Authorization header,
// never in an address (an export is fetched with it and saved from memory).
import { LABELS } from "./city_reports_labels.js";
import { applyLabels, fill, languageLink, pageLang } from "./labels.js";
import { el } from "./dom.js";

const TOKEN_KEY = "cherha-city-staff";
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const params = new URLSearchParams(location.search);
const lang = pageLang();
const t = applyLabels(LABELS, lang);
const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat(lang === "uk" ? "uk-UA" : "en-GB", { maximumFractionDigits: 1 });
let names = {}; // service id -> { uk, en }
let centres = {}; // branch -> { uk, en }: its centre as its hall names it

languageLink($("language"), lang);

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(t.badToken);
    throw new Error("signed out");
  }
  return response;
}

function showSignIn(message = "") {
  $("app").hidden = true;
  $("sign-out").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("token").focus();
}

function query() {
  const q = new URLSearchParams({ from: $("from").value, to: $("to").value });
  const checked = [...document.querySelectorAll("#branch-list input:checked")].map((box) => box.value);
  const all = document.querySelectorAll("#branch-list input").length;
  if (checked.length && checked.length < all) checked.forEach((b) => q.append("branch", b));
  if ($("service").value) q.append("service", $("service").value);
  return q;
}

const serviceName = (id) => (names[id] ? names[id][lang] : id);
// A branch by its centre's name; by the name it has at the city while its hall has not arrived, and with that
// name beside it when two branches' halls give the same name (two copies of one hall file).
function branchName(branch) {
  const name = centres[branch]?.[lang];
  if (!name) return branch;
  const twins = Object.values(centres).filter((other) => other[lang] === name).length;
  return twins > 1 ? `${name} (${branch})` : name;
}
// A date as people write it (28.10.2026; 28/10/2026 in English), not as the API sends it.
const day = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString(lang === "uk" ? "uk-UA" : "en-GB", { timeZone: "UTC" });
const minutes = (value) => (value === null ? t.none : fill(t.minutes, { value: number.format(value) }));
const atMost = (value) => (value === null ? t.none : fill(t.atMost, { value: number.format(value) }));
const share = (value) => (value === null ? t.none : fill(t.percent, { value: number.format(value * 100) }));

function kpi(label, value, key) {
  return el("div", { className: "kpi", dataset: { kpi: key } }, el("div", { className: "label" }, label),
    el("div", { className: "value" }, value));
}

function table(target, head, rows) {
  target.replaceChildren(
    el("thead", {}, el("tr", {}, ...head.map(([text, num]) => el("th", { className: num ? "num" : "", scope: "col" }, text)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map(([text, num], i) =>
      (i === 0 ? el("th", { scope: "row" }, text) : el("td", { className: num ? "num" : "" }, text)))))));
}

// One weekday × hour grid: the hours anyone arrived in, the weekdays anyone was open; five shades by the
// share of the largest average of all the grids shown (so branches compare at a glance).
function heatmap(title, caption, cells, hours, days, top) {
  const grid = new Map(cells.map((c) => [`${c.weekday} ${c.hour}`, c.average]));
  const level = (v) => (v ? Math.min(4, 1 + Math.floor((v / top) * 3.999)) : 0);
  return el("figure", { className: "heatmap" },
    el("figcaption", {}, el("strong", {}, title), caption ? el("span", {}, caption) : null),
    el("div", { className: "scroll", tabIndex: 0 }, el("table", { className: "heat" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t.weekday),
        ...hours.map((h) => el("th", { scope: "col" }, String(h))))),
      el("tbody", {}, ...days.map((day) => el("tr", {}, el("th", { scope: "row" }, t.weekdays[day]),
        ...hours.map((h) => {
          const value = grid.get(`${day} ${h}`) || 0;
          return el("td", { dataset: { level: String(level(value)) } }, value ? number.format(value) : "");
        })))))));
}

function render(report) {
  names = report.service_names;
  centres = report.branch_names;
  $("city-title").textContent = fill(t.cityTitle, { from: day(report.from), to: day(report.to) });
  const c = report.city;
  $("kpis").replaceChildren(kpi(t.visits, number.format(c.visits), "visits"), kpi(t.served, number.format(c.served), "served"),
    kpi(t.meanWait, minutes(c.wait.avg_minutes), "wait"), kpi(t.p90Wait, atMost(c.wait.p90_minutes), "p90"),
    kpi(t.withinSla, share(c.sla.within_share), "sla"), kpi(t.positive, share(c.feedback.positive_share), "positive"));

  const all = [...report.load.flatMap((b) => b.cells), ...report.load_city];
  const hours = [...new Set(all.map((cell) => cell.hour))].sort((a, b) => a - b);
  const days = WEEKDAYS.filter((d) => all.some((cell) => cell.weekday === d));
  const top = Math.max(1, ...report.load.flatMap((b) => b.cells.map((cell) => cell.average)));
  const topCity = Math.max(1, ...report.load_city.map((cell) => cell.average));
  const maps = report.load.map((b) => {
    const open = Object.values(b.open_days).reduce((s, n) => s + n, 0);
    return heatmap(branchName(b.branch), fill(t.openDays, { count: open }, lang), b.cells, hours, days, top);
  });
  if (report.load.length > 1) maps.unshift(heatmap(t.cityLoad, "", report.load_city, hours, days, topCity));
  $("heatmaps").replaceChildren(...(maps.length ? maps : [el("p", {}, t.noData)]));

  table($("by-branch"), [[t.branch], [t.visits, 1], [t.served, 1], [t.noShows, 1], [t.meanWait, 1], [t.p90Wait, 1],
    [t.withinSla, 1]], report.by_branch.map((b) => [[branchName(b.branch)], [number.format(b.visits), 1], [number.format(b.served), 1],
    [number.format(b.no_shows), 1], [minutes(b.wait.avg_minutes), 1], [atMost(b.wait.p90_minutes), 1],
    [share(b.sla.within_share), 1]]));
  table($("by-service"), [[t.service], [t.branch], [t.visits, 1], [t.meanWait, 1], [t.p90Wait, 1], [t.withinSla, 1]],
    report.by_branch_service.map((s) => [[serviceName(s.service_id)], [branchName(s.branch)], [number.format(s.visits), 1],
      [minutes(s.wait.avg_minutes), 1], [atMost(s.wait.p90_minutes), 1], [share(s.sla.within_share), 1]]));
  table($("feedback"), [[t.branch], [t.answers, 1], [t.positive, 1], [t.complaints, 1]],
    report.by_branch.map((b) => [[branchName(b.branch)], [number.format(b.feedback.answers), 1], [share(b.feedback.positive_share), 1],
      [b.feedback.complaints_per_1000 === null ? t.none : number.format(b.feedback.complaints_per_1000), 1]]));
}

function filters(report) {
  const chosen = new Set(params.getAll("branch"));
  const list = $("branch-list");
  if (!list.children.length) {
    list.replaceChildren(...report.known_branches.map((name) => el("label", { className: "check" },
      el("input", { type: "checkbox", value: name, checked: !chosen.size || chosen.has(name) }), branchName(name))));
  }
  const select = $("service");
  const current = select.value || params.get("service") || "";
  const ids = Object.keys(report.service_names).sort((a, b) => serviceName(a).localeCompare(serviceName(b), lang));
  select.replaceChildren(el("option", { value: "" }, t.allServices),
    ...ids.map((id) => el("option", { value: id }, serviceName(id))));
  select.value = current;
}

async function load() {
  $("query-error").textContent = "";
  document.body.dataset.loaded = "";
  const q = query();
  let response;
  try { response = await api(`/api/city/reports?${q}`); } catch { return; }
  const data = await response.json();
  if (!response.ok) { $("query-error").textContent = data.error.message[lang]; return; }
  names = data.service_names;
  centres = data.branch_names;
  filters(data);
  render(data);
  history.replaceState(null, "", `${location.pathname}?${q}${lang === "en" ? "&lang=en" : ""}`);
  document.body.dataset.loaded = `${data.from}..${data.to}`;
}

async function download(ext) {
  $("query-error").textContent = "";
  let response;
  try { response = await api(`/api/city/reports.${ext}?${query()}`); } catch { return; }
  if (!response.ok) { $("query-error").textContent = (await response.json()).error.message[lang]; return; }
  const url = URL.createObjectURL(await response.blob());
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const link = el("a", { href: url, download: name ? name[1] : `cherha-city.${ext}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The range to start with: the address's, else the 28 days up to the city's today (its clock, not this one's).
async function start() {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  if (!params.get("from") || !params.get("to")) {
    let response;
    try { response = await api("/api/city/live"); } catch { return; }
    const today = new Date(`${(await response.json()).now.slice(0, 10)}T12:00:00Z`);
    $("to").value = today.toISOString().slice(0, 10);
    $("from").value = new Date(today.getTime() - 27 * 86400000).toISOString().slice(0, 10);
  } else {
    $("from").value = params.get("from");
    $("to").value = params.get("to");
  }
  await load();
}

$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  await start();
});
$("sign-out").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); showSignIn(); });
$("query").addEventListener("submit", (event) => { event.preventDefault(); load(); });
$("csv").addEventListener("click", () => download("csv"));
$("xlsx").addEventListener("click", () => download("xlsx"));

if (token()) start(); else showSignIn();
