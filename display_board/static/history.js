// The supervisor's reports for any date range: figures, heat map, charts (Chart.js, served locally), exports.
import { LABELS, session } from "./dashboard_labels.js";

const params = new URLSearchParams(location.search);
const lang = params.get("lang") === "en" ? "en" : "uk";
const t = LABELS[lang];
const $ = (id) => document.getElementById(id);
const hall = await (await fetch("/api/hall")).json();
const serviceName = (id) => (hall.services[id] ? hall.services[id].name[lang] : id);
const charts = {};
let token = null;

for (const [id, key] of [["title", "history"], ["from-label", "from"], ["to-label", "to"], ["show", "show"],
  ["csv", "exportCsv"], ["xlsx", "exportXlsx"], ["live", "live"], ["heat-title", "heatmap"],
  ["services-title", "waitsByService"], ["operators-title", "byOperator"], ["comments-title", "comments"],
  ["accessible-title", "accessible"]]) {
  $(id).textContent = t[key];
}
const today = hall.now.slice(0, 10);
$("from").value = params.get("from") || today;
$("to").value = params.get("to") || today;

function range() { return new URLSearchParams({ from: $("from").value, to: $("to").value }); }

function kpi(name, value, key) {
  const box = document.createElement("div");
  box.className = "kpi";
  box.dataset.kpi = key;
  box.innerHTML = `<div>${name}</div><div class="value">${value}</div>`;
  return box;
}

function chart(id, labels, datasets) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart($(id), { type: "bar", data: { labels, datasets },
    options: { animation: false, indexAxis: "y", plugins: { legend: { position: "bottom" } } } });
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
  const head = `<tr><th></th>${hours.map((h) => `<th>${h}:00</th>`).join("")}</tr>`;
  const rows = days.map((day, index) => `<tr><th>${t.weekdays[index]}</th>${hours.map((h) => {
    const n = grid.get(`${day}-${h}`) || 0;
    return `<td data-cell="${day}-${h}" data-share="${(n / most).toFixed(2)}">${n}</td>`;
  }).join("")}</tr>`).join("");
  $("heat").innerHTML = head + rows;
  // Colours through the style object, not style attributes: the Content-Security-Policy forbids those.
  for (const cell of $("heat").querySelectorAll("td[data-share]")) {
    const share = Number(cell.dataset.share);
    cell.style.background = `rgba(10,61,145,${share})`;
    cell.style.color = share > 0.5 ? "#fff" : "#102a5c";
  }
  const services = Object.entries(report.by_service).filter(([, f]) => f.wait.count > 0);
  chart("services-chart", services.map(([id]) => serviceName(id)), [
    { label: t.average, data: services.map(([, f]) => f.wait.avg), backgroundColor: "#0a3d91" },
    { label: t.p90, data: services.map(([, f]) => f.wait.p90), backgroundColor: "#ffb300" }]);
  const operators = Object.entries(report.by_operator);
  chart("operators-chart", operators.map(([op]) => op), [
    { label: t.average, data: operators.map(([, f]) => f.avg), backgroundColor: "#0a3d91" },
    { label: t.max, data: operators.map(([, f]) => f.max), backgroundColor: "#b71c1c" }]);
  $("comments").replaceChildren(...report.feedback.comments.map((c) => {
    const li = document.createElement("li");
    const reason = c.reason ? ` (${t.reasons[c.reason] || c.reason})` : "";
    li.textContent = `${c.good ? "☺" : "☹"} ${serviceName(c.service_id)}${reason}${c.comment ? `: ${c.comment}` : ""}`;
    return li;
  }));
  $("accessible").innerHTML = Object.entries(report.accessible.outcomes)
    .map(([outcome, n]) => `<tr><td>${t.outcomes[outcome] || outcome}</td><td class="num">${n}</td></tr>`).join("");
  document.body.dataset.loaded = `${report.from}..${report.to}`;
}

async function download(kind) {
  const response = await fetch(`/api/reports/export.${kind}?${range()}`, { headers: { Authorization: `Bearer ${token}` } });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = `cherha-${$("from").value}-${$("to").value}.${kind}`;
  document.body.append(link);
  link.click();
  link.remove();
}

$("show").onclick = show;
$("csv").onclick = () => download("csv");
$("xlsx").onclick = () => download("xlsx");
session(lang, (value) => { token = value; $("app").hidden = false; show(); });
