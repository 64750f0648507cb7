// The supervisor's live hall: the server's dashboard view (`get_dashboard`), fetched again soon after every
// change the hall's view subscription reports; commands go through the same protocol client.
import { LABELS, session } from "./dashboard_labels.js";
import { applyLabels, fill, languageLink, pageLang } from "./labels.js";
import { el } from "./dom.js";
import { Client } from "./protocol.js";
import { confirmAction } from "./confirm_dialog.js";
import { PlanEditor, treeFromHall } from "./plan_editor.js";

const lang = pageLang();
const t = applyLabels(LABELS, lang);
const $ = (id) => document.getElementById(id);
const hall = await (await fetch("/api/hall")).json();
const serviceName = (id) => (hall.services[id] ? hall.services[id].name[lang] : id);
let client = null;
let refreshTimer = null;
let current = null;
// Today's weights at one desk, with the same editor as a desk's default plan in the admin section.
const plan = new PlanEditor({ tree: treeFromHall(hall), lang, id: "weights" });
$("weights-editor").replaceWith(plan.element);
let planDesk = null;  // the desk whose plan the editor holds (refilled from the server only on a desk change)

function texts() {
  languageLink($("language"), lang);
  const desks = hall.desks.map((d) => d.number);
  const option = (n) => new Option(fill(t.deskNumber, { desk: n }), `${n}`);  // «Вікно 3», not a bare «3»
  $("message-desk").replaceChildren(new Option(t.allDesks, ""), ...desks.map(option));
  $("weights-desk").replaceChildren(...desks.map(option));
}

// A command; true once the server has applied it. A refusal is shown in the page's language; `status`, the
// element beside the button, says "sent"/"applied" on success (role=status: a screen reader hears it too).
async function control(type, fields, status = null, done = t.applied, errorBox = $("control-error")) {
  $("control-error").textContent = "";
  if (status) status.textContent = "";
  try {
    await client.command(type, fields);
  } catch (error) {
    errorBox.textContent = error.message[lang];
    return false;
  }
  if (status) status.textContent = done;
  return true;
}

function minutes(seconds) { return `${Math.floor(seconds / 60)} ${t.min}`; }

function render(data) {
  current = data;
  $("sla").textContent = `${Math.round(data.sla.within_share * 100)}%`;
  $("sla").dataset.share = data.sla.within_share;
  if (planDesk === null) fillWeights();
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
      free_mb: alert.free_mb?.toLocaleString(lang === "uk" ? "uk-UA" : "en-GB"),  // «1 843 МБ», "1,843 MB"
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
  // A branch of a city: one line on how far behind the city is (docs/city.md); an alert once 5 minutes behind.
  const city = data.city && el("li", { className: "city", dataset: { kind: "city" } });
  if (city) {
    const behind = data.city.behind_events > 0;
    city.textContent = behind ? fill(t.cityBehind, { count: data.city.behind_events,
      minutes: Math.floor(data.city.behind_seconds / 60) }, lang) : t.cityShipped;
    if (behind && data.city.behind_seconds >= 300) alerts.push(city);
    else if (!behind) city.classList.add("all-well");
  }
  // The city's configuration (docs/city.md): the version this branch runs; a refused version is an alert, in the
  // words of the refusal, until the branch makes room for it (it is tried again at every pull).
  const config = data.city && data.city.config;
  const configLine = config && el("li", { className: "city-config", dataset: { kind: "city_config" } });
  if (configLine) {
    if (config.refused) {
      configLine.textContent = fill(t.cityConfigRefused, { version: config.refused.version, running: config.version,
        reason: config.refused.message[lang] }, lang);
      alerts.push(configLine);
    } else {
      configLine.textContent = config.version ? fill(t.cityConfigVersion, { version: config.version }, lang) : t.cityConfigNone;
    }
  }
  if (alerts.length === 0) { const li = document.createElement("li"); li.textContent = t.noAlerts; li.className = "all-well"; alerts.push(li); }
  if (city && !alerts.includes(city)) alerts.push(city);
  if (configLine && !alerts.includes(configLine)) alerts.push(configLine);
  $("alerts").replaceChildren(...alerts);
  const rows = Object.entries(data.queues).filter(([id, q]) => q.waiting > 0 || data.closed_services[id]);
  $("queues").replaceChildren(...rows.map(([id, q]) => {
    const closed = data.closed_services[id] !== undefined;
    const button = el("button", { className: "small", textContent: closed ? t.reopen : t.close });
    button.onclick = async () => {
      if (closed) { control("service_reopen", { service_id: id }); return; }
      const sure = await confirmAction({ title: fill(t.confirmCloseTitle, { service: serviceName(id) }),
        body: [t.confirmCloseBody, fill(t.confirmCloseWaiting, { count: q.waiting }, lang)],
        confirm: t.close, cancel: t.cancel });
      if (sure) control("service_close", { service_id: id, reason: "registry_offline" });
    };
    return el("tr", { dataset: { service: id } }, el("td", {}, serviceName(id)), el("td", { className: "num" }, q.waiting),
      el("td", { className: "num" }, minutes(q.longest_wait_seconds)),
      el("td", { className: "num" }, q.estimated_wait_minutes === null ? t.noDesk : `${q.estimated_wait_minutes} ${t.min}`),
      el("td", {}, button));
  }));
}

function fillWeights() {
  planDesk = Number($("weights-desk").value);
  const desk = current.desks.find((d) => d.number === planDesk);
  plan.set(desk ? desk.weights : {});
  $("weights-status").textContent = "";
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
    onAuthOk: (message) => { $("admin-link").hidden = message.role !== "admin"; },
    // The session ended (logged out, expired): sign in again.
    onAuthInvalid: () => { client.close(); sessionStorage.removeItem("cherha-token"); location.reload(); },
  });
  // The hall's view says when something changed (an event, or the 20 s tick); the figures are get_dashboard's.
  client.subscribe(refreshSoon);
  client.start();
}

// Pausing stops every kiosk and desk: asked first. Resuming (the all-clear) harms nobody and is not.
$("pause").onclick = async () => {
  if (current && current.paused) { control("hall_resume", {}); return; }
  const sure = await confirmAction({ title: t.confirmPauseTitle, body: [t.confirmPauseBody],
                                     confirm: t.confirmPause, cancel: t.cancel });
  if (sure) control("hall_pause", { reason: "air_raid" });
};
$("announce").onclick = () => control("set_announcement", { text_uk: $("announcement-uk").value,
  text_en: $("announcement-en").value }, $("announce-status"), $("announcement-uk").value ? t.shown : t.cleared);
$("send").onclick = async () => {
  const desk = $("message-desk").value;
  const sent = await control("send_message", { text: $("message-text").value, ...(desk ? { desk: Number(desk) } : {}) },
    $("send-status"), desk ? fill(t.sentTo, { desk }) : t.sentAll);
  if (sent) $("message-text").value = "";
};
$("set-priority").onclick = () => control("change_priority", { ticket: $("priority-ticket").value.trim().toUpperCase(),
  priority: Number($("priority-level").value) }, $("priority-status"));
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
  await control("set_dispatch_policy", fields, $("dispatch-saved"), t.saved);
  document.activeElement.blur();
};
$("weights-desk").onchange = fillWeights;
$("set-weights").onclick = async () => {
  plan.clearErrors();
  await control("set_desk_services", { desk: planDesk, weights: plan.value() }, $("weights-status"), t.appliedToday,
                plan.error);
};

texts();
session(lang, (token) => { $("app").hidden = false; connect(token); });
