// The supervisor's live hall: the server's dashboard view (`get_dashboard`), fetched again soon after every
// change the hall's view subscription reports; commands go through the same protocol client.
import { LABELS, session } from "./dashboard_labels.js";
import { applyLabels, fill, languageLink, pageLang } from "./labels.js";
import { el } from "./dom.js";
import { Client } from "./protocol.js";

const lang = pageLang();
const t = applyLabels(LABELS, lang);
const $ = (id) => document.getElementById(id);
const hall = await (await fetch("/api/hall")).json();
const serviceName = (id) => (hall.services[id] ? hall.services[id].name[lang] : id);
let client = null;
let refreshTimer = null;
let current = null;

function texts() {
  languageLink($("language"), lang);
  const desks = hall.desks.map((d) => d.number);
  $("message-desk").replaceChildren(new Option(t.allDesks, ""), ...desks.map((n) => new Option(`${n}`, `${n}`)));
  $("weights-desk").replaceChildren(...desks.map((n) => new Option(`${n}`, `${n}`)));
}

async function control(type, fields) {
  $("control-error").textContent = "";
  try { await client.command(type, fields); } catch (error) { $("control-error").textContent = error.message[lang]; }
}

function minutes(seconds) { return `${Math.floor(seconds / 60)} ${t.min}`; }

function render(data) {
  current = data;
  $("sla").textContent = `${Math.round(data.sla.within_share * 100)}%`;
  $("sla").dataset.share = data.sla.within_share;
  if (!$("weights").value) fillWeights();
  fillDispatch(data.dispatch);
  $("paused-banner").hidden = !data.paused;
  $("paused-banner").textContent = t.paused;
  $("pause").textContent = data.paused ? t.resume : t.pause;
  $("desks").replaceChildren(...data.desks.map((desk) => {
    const activity = desk.activity === "paused" ? "paused" : desk.activity;
    const offline = desk.status !== "closed" && !desk.online;
    const since = desk.since ? Math.max(0, (Date.parse(data.now) - Date.parse(desk.since)) / 1000) : null;
    const label = t[activity === "paused" ? "paused_desk" : activity] || activity;
    return el("div", { className: `desk ${activity}${offline ? " offline" : ""}`,
                       dataset: { desk: desk.number, activity: desk.activity } },
      el("div", { className: "number" }, desk.number),
      el("div", {}, label, desk.ticket && " · ", desk.ticket && el("b", {}, desk.ticket)),
      el("div", {}, desk.operator || "", since !== null && ` · ${minutes(since)}`),
      offline && el("div", { className: "error" }, t.noConsole));
  }));
  const alerts = data.alerts.map((alert) => {
    const li = document.createElement("li");
    li.dataset.kind = alert.kind;
    li.textContent = fill(t[`alert_${alert.kind}`], { ...alert, service: serviceName(alert.service_id),
      longest: alert.longest_minutes, minutes: alert.silent_minutes,
      problem: t.printerProblems[alert.problem] || alert.problem,
      time: alert.at ? alert.at.slice(11, 16) : "", accessibleNote: alert.accessible ? t.helpAccessible : "" }, lang);
    if (alert.kind === "help_call") {
      // A visitor is waiting at the kiosk: the supervisor answers the call, and the alert goes.
      const button = el("button", { className: "small", textContent: t.helpAcknowledge });
      button.onclick = async () => {
        try { await client.request("acknowledge_help", { kiosk: alert.kiosk }); } catch (error) { $("control-error").textContent = error.message[lang]; }
        refreshSoon();
      };
      li.append(" ", button);
    }
    return li;
  });
  if (alerts.length === 0) { const li = document.createElement("li"); li.textContent = t.noAlerts; li.style.color = "#1b5e20"; alerts.push(li); }
  $("alerts").replaceChildren(...alerts);
  const rows = Object.entries(data.queues).filter(([id, q]) => q.waiting > 0 || data.closed_services[id]);
  $("queues").replaceChildren(...rows.map(([id, q]) => {
    const closed = data.closed_services[id] !== undefined;
    const button = el("button", { className: "small", textContent: closed ? t.reopen : t.close });
    button.onclick = () => control(closed ? "service_reopen" : "service_close", { service_id: id, ...(closed ? {} : { reason: "registry_offline" }) });
    return el("tr", { dataset: { service: id } }, el("td", {}, serviceName(id)), el("td", { className: "num" }, q.waiting),
      el("td", { className: "num" }, minutes(q.longest_wait_seconds)),
      el("td", { className: "num" }, q.estimated_wait_minutes === null ? t.noDesk : `${q.estimated_wait_minutes} ${t.min}`),
      el("td", {}, button));
  }));
}

function fillWeights() {
  const desk = current.desks.find((d) => d.number === Number($("weights-desk").value));
  $("weights").value = Object.entries(desk.weights).map(([id, w]) => `${id}=${w}`).join("\n");
}

async function refresh() {
  let data;
  try {
    data = await client.request("get_dashboard");
  } catch (error) {
    if (error.code === "connection_lost") return;  // the next view after the reconnect asks again
    // Signed in, but not as a supervisor.
    sessionStorage.removeItem("cherha-token");
    client.close();
    $("offline").hidden = false;
    $("offline").textContent = error.message[lang];
    return;
  }
  render(data);
}

function refreshSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, 150);
}

function connect(token) {
  client = new Client({
    auth: { token },
    onStatus: (online) => { $("offline").hidden = online; },
    // The session ended (logged out, expired): sign in again.
    onAuthInvalid: () => { client.close(); sessionStorage.removeItem("cherha-token"); location.reload(); },
  });
  // The hall's view says when something changed (an event, or the 20 s tick); the figures are get_dashboard's.
  client.subscribe(refreshSoon);
  client.start();
}

$("pause").onclick = () => control(current && current.paused ? "hall_resume" : "hall_pause", current && current.paused ? {} : { reason: "air_raid" });
$("announce").onclick = () => control("set_announcement", { text_uk: $("announcement-uk").value, text_en: $("announcement-en").value });
$("send").onclick = () => {
  const desk = $("message-desk").value;
  control("send_message", { text: $("message-text").value, ...(desk ? { desk: Number(desk) } : {}) });
};
$("set-priority").onclick = () => control("change_priority", { ticket: $("priority-ticket").value.trim().toUpperCase(), priority: Number($("priority-level").value) });
// The dispatch settings in force; a field being edited is left alone until it is applied.
const DISPATCH_FIELDS = [["level-minutes", "level_head_start_minutes"], ["priority-minutes", "priority_head_start_minutes"],
  ["booked-minutes", "booked_head_start_minutes"], ["cap-minutes", "cap_minutes"]];
function fillDispatch(settings) {
  if ($("dispatch").contains(document.activeElement)) return;
  for (const [id, key] of DISPATCH_FIELDS) $(id).value = settings[key];
  $("strict-tiers").checked = settings.strict_tiers;
}
$("set-dispatch").onclick = async () => {
  const fields = { strict_tiers: $("strict-tiers").checked };
  for (const [id, key] of DISPATCH_FIELDS) fields[key] = Number($(id).value);
  $("dispatch-saved").textContent = "";
  await control("set_dispatch_policy", fields);
  if (!$("control-error").textContent) $("dispatch-saved").textContent = t.saved;
  document.activeElement.blur();
};
$("weights-desk").onchange = fillWeights;
$("set-weights").onclick = () => {
  const weights = {};
  for (const line of $("weights").value.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const [id, weight] = line.split("=");
    weights[id.trim()] = Number(weight);
  }
  control("set_desk_services", { desk: Number($("weights-desk").value), weights });
};

texts();
session(lang, (token) => { $("app").hidden = false; connect(token); });
