// The hall board: the standing calls (newest first, a new one blinking), waiting counts per category, the
// hall's clock, running line, air-raid banner, spoken calls queued one after another. Everything drawn comes
// from the server's view (hall_view.js); the zone filter is presentation.
import { LABELS } from "./board_labels.js";
import { applyLabels } from "./labels.js";
import { HallView } from "./hall_view.js";
import { Client } from "./protocol.js";

const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const zone = params.get("zone");
const uk = applyLabels(LABELS);

const hall = await (await fetch("/api/hall")).json();
const view = new HallView();
view.setNow(hall.now);  // the hall's clock runs before the socket is up
const highlighted = new Map(); // call key -> performance.now() when it stops blinking
document.getElementById("centre").textContent = hall.centre.name.uk + (zone ? ` · ${zone}` : "");
// The services a zone's desks serve: its board counts only their lines.
const zoneServices = zone ? new Set(hall.desks.filter((d) => d.zone === zone).flatMap((d) => d.services)) : null;
const inZone = (call) => !zone || call.zone === zone;

// -- sound: one announcement at a time, in order ------------------------------------------------
const sounds = [];
let playing = false;
function announce(call) {
  sounds.push({ key: call.key, url: `/audio/call.wav?ticket=${encodeURIComponent(call.ticket)}&desk=${call.desk}` });
  // Visible to tests and to a technician's console: what was queued for the speakers, in order.
  window.cherhaAnnouncements = [...(window.cherhaAnnouncements || []), `${call.ticket}>${call.desk}`];
  playNext();
}
function playNext() {
  if (playing) return;
  // A call that no longer stands (the visitor reached the desk, or did not come) is not spoken any more.
  while (sounds.length && !view.calls.some((call) => call.key === sounds[0].key)) sounds.shift();
  if (sounds.length === 0) return;
  playing = true;
  const audio = new Audio(sounds.shift().url);
  audio.volume = hall.board.volume;
  const done = () => { playing = false; playNext(); };
  audio.onended = done;
  audio.onerror = done;
  audio.play().catch(done);
}

// A call blinks for highlight_seconds from when it was made (by the hall's clock), however the board heard it.
function markHighlights() {
  const standing = new Set(view.calls.map((call) => call.key));
  for (const key of highlighted.keys()) if (!standing.has(key)) highlighted.delete(key);
  const hallNow = view.hallTime();
  for (const call of view.calls) {
    if (highlighted.has(call.key)) continue;
    const age = Math.max(0, hallNow - Date.parse(call.called_at));
    highlighted.set(call.key, performance.now() + hall.board.highlight_seconds * 1000 - age);
  }
}

// -- drawing ----------------------------------------------------------------------------------------
function render() {
  const now = performance.now();
  const calls = view.calls.filter(inZone);
  const list = document.getElementById("calls");
  list.replaceChildren(...calls.map((call) => {
    const row = document.createElement("li");
    row.dataset.ticket = call.ticket;
    row.dataset.desk = call.desk;
    if ((highlighted.get(call.key) || 0) > now) row.classList.add("new");
    const ticket = document.createElement("span");
    ticket.className = "ticket";
    ticket.textContent = call.ticket;
    const arrow = document.createElement("span");
    arrow.className = "arrow";
    arrow.textContent = "→";
    const desk = document.createElement("span");
    desk.className = "desk";
    desk.textContent = call.desk;
    row.append(ticket, arrow, desk);
    return row;
  }));
  // More calls than fit in one column of big rows: two columns of smaller ones, then three (never clipped).
  list.classList.toggle("many", calls.length > hall.board.recent_calls);
  list.classList.toggle("crowded", calls.length > 2 * hall.board.recent_calls + 2);
  document.getElementById("no-calls").hidden = calls.length > 0;
  const waiting = document.getElementById("waiting");
  // Only categories someone waits for: a wall of zeros helps nobody find their line.
  const counts = hall.categories.map((category) => [category, category.service_ids
    .filter((sid) => !zoneServices || zoneServices.has(sid))
    .reduce((sum, sid) => sum + (view.queues[sid] ? view.queues[sid].waiting : 0), 0)]);
  const shown = counts.filter(([, count]) => count > 0);
  waiting.classList.toggle("many", shown.length > 9);
  document.getElementById("queue-empty").hidden = shown.length > 0;
  waiting.replaceChildren(...shown.map(([category, count]) => {
    const row = document.createElement("li");
    row.dataset.category = category.id;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = category.name.uk;
    const number = document.createElement("span");
    number.className = "count";
    number.textContent = count;
    row.append(name, number);
    return row;
  }));
  document.getElementById("paused").hidden = !view.fields.paused;
  const announcement = view.fields.announcement;
  const line = document.querySelector("#announcement span");
  const text = announcement ? [announcement.uk, announcement.en].filter(Boolean).join("   •   ") : "";
  if (line.textContent !== text) line.textContent = text;
  document.getElementById("announcement").hidden = !text;
  document.body.dataset.seq = view.seq ?? "";
}

// The hall's time, in the hall's offset (a board's own time zone or clock may be wrong).
function clockText(labels) {
  const wall = view.wallClock();
  const pad = (n) => String(n).padStart(2, "0");
  const time = `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
  const date = `${labels.weekdays[wall.getUTCDay()]}, ${wall.getUTCDate()} ${labels.months[wall.getUTCMonth()]}`;
  return { time, date };
}

function tick() {
  const { time, date } = clockText(uk);
  document.getElementById("time").textContent = time;
  document.getElementById("date").textContent = date;
  render();
}

const client = new Client({
  auth: { token },
  onStatus: (online) => {
    document.getElementById("offline").hidden = online;
    document.body.dataset.online = online ? "yes" : "no";
  },
});
client.subscribe((frame) => {
  if (!view.apply(frame)) return;
  markHighlights();
  // Only a call made now is spoken: never one from a whole view or a catch-up after a cut.
  if (HallView.isLive(frame)) [...view.newCalls].reverse().filter(inZone).forEach(announce);
  tick();
});
client.start();
tick();
setInterval(tick, 1000);
