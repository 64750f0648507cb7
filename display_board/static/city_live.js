// The city supervisor's live page: every branch's figures, pushed by the city server over a WebSocket
// (city_server/live.py; docs/city.md "The live page"). The staff token is asked once per tab, kept in
// sessionStorage (never in the address) and sent as the socket's first message.
import { LABELS } from "./city_live_labels.js";
import { applyLabels, fill, languageLink, pageLang } from "./labels.js";
import { el } from "./dom.js";

const lang = pageLang();
const t = applyLabels(LABELS, lang);
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "cherha-city-token";
const ATTENTION_BEHIND_SECONDS = 300;  // shipping this far behind is a problem, as on the branch's dashboard
const branches = new Map();  // branch → { entry, at: performance.now() when it came }
let socket = null;
let failures = 0;

languageLink($("language"), lang);

function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) { askToken(); return; }
  $("login").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  connect(token);
}

function askToken(message = "") {
  $("app").hidden = true;
  $("sign-out").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").focus();
}

$("login").onsubmit = (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  start();
};

$("sign-out").onclick = () => {
  sessionStorage.removeItem(TOKEN_KEY);
  const old = socket;
  socket = null;
  if (old) old.close();
  branches.clear();
  render();
  askToken();
};

function setConnection(state, text = "") {
  const line = $("connection");
  line.dataset.state = state;
  line.textContent = state === "live" ? "" : (text || t[state]);
  line.hidden = state === "live";
  document.body.dataset.connection = state;
}

function connect(token) {
  setConnection("connecting");
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/city/ws`);
  socket = ws;
  let refused = false;
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token }));
  ws.onmessage = (event) => {
    if (socket !== ws) return;
    const message = JSON.parse(event.data);
    if (message.type === "error") {
      refused = true;
      refusal(message.error, token);
      return;
    }
    failures = 0;
    setConnection("live");
    if (message.type === "view") {
      branches.clear();
      for (const entry of message.branches) branches.set(entry.branch, { entry, at: performance.now() });
    } else if (message.type === "branch") {
      announceChange(branches.get(message.branch.branch), message.branch);
      branches.set(message.branch.branch, { entry: message.branch, at: performance.now() });
    }
    render();
  };
  ws.onclose = () => {
    if (socket !== ws || refused) return;
    // The figures stay on screen, marked as not current, until the city answers again.
    setConnection("offline");
    failures += 1;
    const bound = Math.min(30000, 1000 * 2 ** Math.min(failures, 5));
    setTimeout(() => { if (socket === ws) connect(token); }, bound / 2 + Math.random() * bound / 2);
  };
}

function refusal(error, token) {
  if (error.code === "unauthorized" || error.code === "forbidden") {
    sessionStorage.removeItem(TOKEN_KEY);
    socket = null;
    branches.clear();
    askToken(error.message[lang]);
    return;
  }
  // Too many pages open with this token: say so, and try again later.
  setConnection("offline", error.message[lang]);
  const ws = socket;
  setTimeout(() => { if (socket === ws) connect(token); }, 30000);
}

const nameOf = (entry) => (entry.name ? entry.name[lang] : entry.branch);

// The live region hears status changes only: a branch falling silent, paused, back; never the figures.
function announceChange(before, entry) {
  if (!before) return;
  const was = before.entry;
  const name = nameOf(entry);
  const paused = (e) => e.status === "live" && e.summary.paused;
  let said = null;
  if (was.status !== entry.status) said = fill(entry.status === "live" ? t.becameLive : t.becameSilent, { name }, lang);
  else if (paused(was) !== paused(entry)) said = fill(paused(entry) ? t.becamePaused : t.becameResumed, { name }, lang);
  if (said) $("announcer").textContent = said;
}

function waiting(summary) {
  return Object.values(summary.services).reduce((sum, service) => sum + service.waiting, 0);
}

function longest(summary) {
  if (typeof summary.longest_wait_seconds === "number") return summary.longest_wait_seconds;
  return Math.max(0, ...Object.values(summary.services).map((service) => service.longest_wait_seconds));
}

const minutes = (seconds) => fill(t.minutesValue, { minutes: Math.floor(seconds / 60) }, lang);

function needsAttention(summary) {
  return (summary.alerts || []).length > 0 || summary.shipping.behind_seconds >= ATTENTION_BEHIND_SECONDS;
}

// Problems first, because they are what a supervisor acts on: no data (nobody knows what happens there),
// then an air-raid pause, then alerts or shipping far behind; within each group by name, so that a row moves
// only when its branch's state changes, never as its figures do (docs/city.md says why).
function rank(entry) {
  if (entry.status !== "live") return 0;
  if (entry.summary.paused) return 1;
  return needsAttention(entry.summary) ? 2 : 3;
}

function alertText(alert) {
  const text = t[`alert_${alert.kind}`];
  if (typeof text !== "string") return t.alert_other;
  return fill(text, { ...alert, minutes: alert.silent_minutes,
    problem: t.printerProblems[alert.problem] || t.printerProblems.printer_failed }, lang);
}

function silentMinutes(item) {
  return Math.floor((item.entry.silent_seconds + (performance.now() - item.at) / 1000) / 60);
}

function cell(field, label, ...content) {
  return el("span", { role: "cell", className: `cell ${field}`, dataset: { field } },
    el("span", { className: "cell-label", ariaHidden: "true" }, label), ...content);
}

function row(item) {
  const { entry } = item;
  const name = el("span", { role: "rowheader", className: "name" }, el("b", {}, nameOf(entry)));
  const classes = ["branch"];
  if (entry.status !== "live") {
    classes.push("no-data");
    const since = entry.last_heard === null ? t.neverHeard
      : fill(t.noDataSince, { time: (entry.last_summary_at || entry.last_heard).slice(11, 16),
                              minutes: silentMinutes(item) }, lang);
    return el("div", { role: "row", className: classes.join(" "), dataset: { branch: entry.branch, status: entry.status } },
      name, el("span", { role: "cell", className: "cell silent", ariaColSpan: "6", dataset: { field: "no-data" } },
        el("b", {}, t.noData), " · ", since));
  }
  const s = entry.summary;
  if (s.paused) {
    classes.push("paused");
    name.append(el("span", { className: "badge" }, s.pause_reason === "air_raid" ? t.airRaid : t.pausedOther));
  }
  if (needsAttention(s)) classes.push("attention");
  const total = s.desks.open + s.desks.paused + s.desks.closed;
  const sla = s.sla && s.sla.visits > 0
    ? fill(t.percent, { percent: Math.round(s.sla.within_share * 100) }, lang) : t.noVisits;
  const behind = s.shipping.behind_events;
  const shipping = behind === 0 ? t.shipped : `${fill(t.behind, { count: behind }, lang)}, ${
    fill(t.behindFor, { minutes: Math.floor(s.shipping.behind_seconds / 60) }, lang)}`;
  const alerts = (s.alerts || []).map(alertText);
  return el("div", { role: "row", className: classes.join(" "),
                     dataset: { branch: entry.branch, status: entry.status, paused: s.paused } },
    name,
    cell("desks", t.desks, el("span", { className: "value" }, fill(t.desksValue, { open: s.desks.open, total }, lang)),
      s.desks.paused > 0 && el("small", {}, fill(t.desksOnBreak, { count: s.desks.paused }, lang))),
    cell("waiting", t.waiting, el("span", { className: "value" }, waiting(s))),
    cell("longest", t.longestWait, el("span", { className: "value" }, minutes(longest(s)))),
    cell("sla", t.slaToday, el("span", { className: "value" }, sla)),
    cell("shipping", t.shipping, el("span", { className: behind ? "value behind" : "value" }, shipping)),
    cell("alerts", t.alerts, alerts.length
      ? el("ul", { className: "alerts" }, ...alerts.map((text) => el("li", {}, text)))
      : el("span", { className: "value well" }, t.noAlerts)));
}

function render() {
  const items = [...branches.values()];
  const live = items.filter((item) => item.entry.status === "live").map((item) => item.entry.summary);
  const visits = live.reduce((sum, s) => sum + (s.sla ? s.sla.visits : 0), 0);
  const above = live.reduce((sum, s) => sum + (s.sla ? s.sla.above : 0), 0);
  const paused = items.filter((item) => item.entry.status === "live" && item.entry.summary.paused);
  $("total-live").textContent = fill(t.branchesLiveValue, { live: live.length, total: items.length }, lang);
  $("total-desks").textContent = live.reduce((sum, s) => sum + s.desks.open, 0);
  $("total-waiting").textContent = live.reduce((sum, s) => sum + waiting(s), 0);
  $("total-longest").textContent = minutes(Math.max(0, ...live.map(longest)));
  $("total-sla").textContent = visits > 0 ? fill(t.percent, { percent: Math.round((1 - above / visits) * 100) }, lang)
    : t.noVisits;
  $("total-paused").textContent = paused.length;
  $("paused-banner").hidden = paused.length === 0;
  $("paused-banner").textContent = fill(t.pausedBanner, { count: paused.length,
    names: paused.map((item) => nameOf(item.entry)).join(", ") }, lang);
  items.sort((a, b) => rank(a.entry) - rank(b.entry) || nameOf(a.entry).localeCompare(nameOf(b.entry), lang));
  $("rows").replaceChildren(...items.map(row));
  $("no-branches").hidden = items.length > 0;
}

// "Silent for N min" goes on counting between messages.
setInterval(() => { if (branches.size) render(); }, 30000);
start();
