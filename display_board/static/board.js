// The hall board: recent calls (newest blinking), waiting counts per category, clock, running line,
// air-raid banner, spoken calls queued one after another.
import { LABELS } from "./board_labels.js";
import { applyLabels } from "./labels.js";
import { HallModel } from "./hall_model.js";
import { Connection, clockText } from "./connection.js";

const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const zone = params.get("zone");
const uk = applyLabels(LABELS);

const hall = await (await fetch("/api/hall")).json();
const model = new HallModel(hall, zone);
const highlighted = new Map(); // call key -> time it stops blinking
document.getElementById("centre").textContent = hall.centre.name.uk + (zone ? ` · ${zone}` : "");

// -- sound: one announcement at a time, in order ------------------------------------------------
const sounds = [];
let playing = false;
function announce(ticket, desk) {
  sounds.push(`/audio/call.wav?ticket=${encodeURIComponent(ticket)}&desk=${desk}`);
  // Visible to tests and to a technician's console: what was queued for the speakers, in order.
  window.cherhaAnnouncements = [...(window.cherhaAnnouncements || []), `${ticket}>${desk}`];
  playNext();
}
function playNext() {
  if (playing || sounds.length === 0) return;
  playing = true;
  const audio = new Audio(sounds.shift());
  audio.volume = hall.board.volume;
  const done = () => { playing = false; playNext(); };
  audio.onended = done;
  audio.onerror = done;
  audio.play().catch(done);
}

// -- drawing ----------------------------------------------------------------------------------------
function render() {
  const now = Date.now();
  const list = document.getElementById("calls");
  list.replaceChildren(...model.calls.map((call) => {
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
  document.getElementById("no-calls").hidden = model.calls.length > 0;
  const counts = model.waitingByCategory();
  const waiting = document.getElementById("waiting");
  // Only categories someone waits for: a wall of zeros helps nobody find their line.
  const shown = hall.categories.filter((c) => counts.get(c.id) > 0);
  waiting.classList.toggle("many", shown.length > 9);
  document.getElementById("queue-empty").hidden = shown.length > 0;
  waiting.replaceChildren(...shown.map((category) => {
    const row = document.createElement("li");
    row.dataset.category = category.id;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = category.name.uk;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = counts.get(category.id);
    row.append(name, count);
    return row;
  }));
  document.getElementById("paused").hidden = !model.paused;
  const line = document.querySelector("#announcement span");
  const text = model.announcement ? [model.announcement.uk, model.announcement.en].filter(Boolean).join("   •   ") : "";
  if (line.textContent !== text) line.textContent = text;
  document.getElementById("announcement").hidden = !text;
}

function tick() {
  const { time, date } = clockText(uk, new Date());
  document.getElementById("time").textContent = time;
  document.getElementById("date").textContent = date;
  render();
}

new Connection({
  token,
  onSnapshot: (snapshot) => { model.loadSnapshot(snapshot); render(); },
  onEvent: (event, live) => {
    if (model.apply(event) === "call") {
      const key = model.calls[0].key;
      highlighted.set(key, Date.now() + hall.board.highlight_seconds * 1000);
      if (live) announce(model.calls[0].ticket, model.calls[0].desk);
    }
    render();
  },
  onStatus: (online) => {
    document.getElementById("offline").hidden = online;
    document.body.dataset.online = online ? "yes" : "no";
  },
});
tick();
setInterval(tick, 1000);
