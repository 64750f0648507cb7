// The supervisor's reports for any date range: figures, heat map, charts (Chart.js, served locally), exports.
import { LABELS, session } from "./dashboard_labels.js";
import { applyLabels, nameOf, pageLang } from "./labels.js";
import { el } from "./dom.js";

const params = new URLSearchParams(location.search);
const lang = pageLang();
const t = applyLabels(LABELS, lang);
const $ = (id) => document.getElementById(id);
const hall = await (await fetch("/api/hall")).json();
const serviceName = (id) => (hall.services[id] ? hall.services[id].name[lang] : id);
const charts = {};
let token = null;

const today = hall.now.slice(0, 10);
$("from").value = params.get("from") || today;
$("to").value = params.get("to") || today;

function range() { return new URLSearchParams({ from: $("from").value, to: $("to").value }); }

function kpi(name, value, key) {
  return el("div", { className: "kpi", dataset: { kpi: key } }, el("div", {}, name),
    el("div", { className: "value" }, value));
}

// A bar's colour is the CSS's (dashboard.css: --mark-*), where the contrast test reads it too.
function mark(name) { return getComputedStyle($("services-chart")).getPropertyValue(`--mark-${name}`).trim(); }

// A long service name on the axis, in lines of whole words short enough for a phone's chart.
function wrapped(text, width = window.innerWidth < 600 ? 22 : 40) {
  const lines = [];
  for (const word of String(text).split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && (lines[last] + " " + word).length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

// A chart, and the same figures as a table under it: the text alternative for a screen reader, and for anyone
// who wants the numbers.
function chart(id, labels, datasets) {
  if (charts[id]) charts[id].destroy();
  delete charts[id];
  const nothing = labels.length === 0;  // bare axes read as broken: say there is nothing instead
  $(id).hidden = nothing;
  $(`${id}-table`).hidden = nothing;
  empty($(id).closest("section"), nothing);
  if (nothing) return;
  charts[id] = new Chart($(id), { type: "bar", data: { labels, datasets },
    options: { animation: false, indexAxis: "y", plugins: { legend: { position: "bottom" } },
               scales: { y: { ticks: { callback(value) { return wrapped(this.getLabelForValue(value)); } } } } } });
  const title = $(id).closest("section").querySelector("h2").textContent;
  $(id).setAttribute("role", "img");
  $(id).setAttribute("aria-label", `${title}: ${t.chartSummary}`);
  const head = el("tr", {}, el("th", {}, ""), ...datasets.map((d) => el("th", { className: "num" }, d.label)));
  const rows = labels.map((label, row) => el("tr", {}, el("th", {}, label),
    ...datasets.map((d) => el("td", { className: "num" }, d.data[row] === null ? "—" : `${Math.round(d.data[row] * 10) / 10}`))));
  $(`${id}-table`).replaceChildren(el("summary", {}, t.chartTable), el("table", {}, el("caption", {}, title), head, ...rows));
}

// «За цей період даних немає» in a report's card when it has nothing to show (an empty card looks broken).
function empty(section, nothing) {
  let note = section.querySelector(".empty");
  if (!note) {
    note = el("p", { className: "empty hint" }, t.noData);
    section.querySelector("h2").after(note);
  }
  note.hidden = !nothing;
}

// The heat map is wider than a phone: it scrolls in its own box, and says so while part of it is hidden.
function heatHint() {
  const box = $("heat-box");
  $("heat-hint").hidden = box.scrollWidth <= box.clientWidth + 1;
}
window.addEventListener("resize", heatHint);

// Arrivals in five steps, by share of the busiest hour; the colours are dashboard.css's.
function heatLevel(n, most) { return n === 0 ? 0 : Math.min(4, Math.ceil((4 * n) / most)); }

// A visitor's comment as a line of the list.
function comment(c) {
  const li = document.createElement("li");
  // The reason's name (GET /api/hall) begins a sentence on the visitor's page; here it is mid-line.
  const name = c.reason ? nameOf(hall.feedback_reasons, c.reason, lang) : "";
  const reason = c.reason ? ` (${name.charAt(0).toLocaleLowerCase(lang)}${name.slice(1)})` : "";
  li.textContent = `${c.good ? "☺" : "☹"} ${serviceName(c.service_id)}${reason}${c.comment ? `: ${c.comment}` : ""}`;
  return li;
}

// The report carries the newest comments only; the rest come a page at a time (GET /api/reports/comments),
// for the range of the report on the page (not whatever the date fields say by now).
const COMMENTS_PAGE = 100;
let shownRange = null;

function commentsPaged(total) {
  const shown = $("comments").children.length;
  $("comments-count").textContent = total > 0 ? t.commentsShown.replace("{shown}", shown).replace("{total}", total) : "";
  $("more-comments").hidden = shown >= total;
}

async function moreComments() {
  const query = new URLSearchParams(shownRange);
  query.set("offset", $("comments").children.length);
  query.set("limit", COMMENTS_PAGE);
  $("more-comments").disabled = true;
  try {
    const response = await fetch(`/api/reports/comments?${query}`, { headers: { Authorization: `Bearer ${token}` } });
    const page = await response.json();
    if (!response.ok) return;
    $("comments").append(...page.comments.map(comment));
    commentsPaged(page.comments.length ? page.total : $("comments").children.length);
  } finally {
    $("more-comments").disabled = false;
  }
}

async function show() {
  const response = await fetch(`/api/reports?${range()}`, { headers: { Authorization: `Bearer ${token}` } });
  const report = await response.json();
  const percent = (share) => (share === null ? "—" : `${Math.round(share * 1000) / 10}%`);
  $("kpis").replaceChildren(
    kpi(t.visits, report.visits, "visits"), kpi(t.served, report.outcomes.served, "served"),
    kpi(t.noShows, report.outcomes.no_show, "no_show"), kpi(t.transferred, report.outcomes.transferred, "transferred"),
    kpi(t.withinSla, percent(report.sla.within_share), "within_sla"),
    kpi(t.positive, percent(report.feedback.positive_share), "positive"),
    kpi(t.complaints, report.feedback.complaints_per_1000, "complaints"),
    kpi(t.accessibleSessions, report.accessible.sessions, "accessible"));
  // The working hours at least (8:00 to 19:00), wider if anyone came earlier or later.
  const seen = report.heatmap.map((c) => c.hour);
  const hours = [];
  for (let h = Math.min(8, ...seen); h <= Math.max(19, ...seen); h += 1) hours.push(h);
  const grid = new Map(report.heatmap.map((c) => [`${c.weekday}-${c.hour}`, c.arrivals]));
  const most = Math.max(1, ...report.heatmap.map((c) => c.arrivals));
  const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const head = el("tr", {}, el("th"), ...hours.map((h) => el("th", {}, `${h}:00`)));
  const rows = days.map((day, index) => el("tr", {}, el("th", {}, t.weekdays[index]), ...hours.map((h) => {
    const n = grid.get(`${day}-${h}`) || 0;
    return el("td", { dataset: { cell: `${day}-${h}`, level: heatLevel(n, most) } }, n);
  })));
  $("heat").replaceChildren(head, ...rows);
  heatHint();
  const services = Object.entries(report.by_service).filter(([, f]) => f.wait.count > 0);
  chart("services-chart", services.map(([id]) => serviceName(id)), [
    { label: t.average, data: services.map(([, f]) => f.wait.avg), backgroundColor: mark("average") },
    { label: t.p90, data: services.map(([, f]) => f.wait.p90), backgroundColor: mark("p90") }]);
  const operators = Object.entries(report.by_operator);
  chart("operators-chart", operators.map(([op]) => op), [
    { label: t.average, data: operators.map(([, f]) => f.avg), backgroundColor: mark("average") },
    { label: t.max, data: operators.map(([, f]) => f.max), backgroundColor: mark("max") }]);
  shownRange = range();
  $("comments").replaceChildren(...report.feedback.comments.map(comment));
  commentsPaged(report.feedback.comments_total);
  empty($("comments").closest("section"), report.feedback.comments_total === 0);
  $("accessible").replaceChildren(...Object.entries(report.accessible.outcomes)
    .map(([outcome, n]) => el("tr", {}, el("td", {}, nameOf(hall.accessible_outcomes, outcome, lang)), el("td", { className: "num" }, n))));
  empty($("accessible").closest("section"), Object.keys(report.accessible.outcomes).length === 0);
  document.body.dataset.loaded = `${report.from}..${report.to}`;
}

// One export at a time from this page: its button stays busy until the file has come (a double click must not
// set a second worker going on the server, docs/dashboard.md).
async function download(kind) {
  const buttons = [$("csv"), $("xlsx")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const response = await fetch(`/api/reports/export.${kind}?${range()}`, { headers: { Authorization: `Bearer ${token}` } });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `cherha-${$("from").value}-${$("to").value}.${kind}`;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

$("show").onclick = show;
$("csv").onclick = () => download("csv");
$("xlsx").onclick = () => download("xlsx");
$("more-comments").onclick = moreComments;
session(lang, (value) => { token = value; $("app").hidden = false; show(); });
