// The hall board: the standing calls (newest first, a new one blinking), waiting counts per category, the
// hall's clock, running line, air-raid banner, spoken calls queued one after another. Everything drawn comes
// from the server's view (hall_view.js); the zone filter and the layout are presentation. No text a visitor
// reads is smaller than the hall's viewing distance allows (legibility.js): what does not fit at that size is
// left out and counted ("and 3 more calls") or shown a page at a time, never shrunk.
import { LABELS } from "./board_labels.js";
import { applyLabels, fill } from "./labels.js";
import { HallView } from "./hall_view.js";
import { minFontPx } from "./legibility.js";
import { Client } from "./protocol.js";

const MARQUEE_EM_PER_SECOND = 3;  // the running line's speed, in its own letters' size: the same for any text
const WAITING_PAGE_MS = 8000;     // how long each page of the waiting list stays

const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const zone = params.get("zone");
const uk = applyLabels(LABELS);
const en = LABELS.en;
const $ = (id) => document.getElementById(id);

const hall = await (await fetch("/api/hall")).json();
const view = new HallView();
view.setNow(hall.now);  // the hall's clock runs before the socket is up
const highlighted = new Map(); // call key -> performance.now() when it stops blinking
// The services a zone's desks serve: its board counts only their lines.
const zoneServices = zone ? new Set(hall.desks.filter((d) => d.zone === zone).flatMap((d) => d.services)) : null;
const inZone = (call) => !zone || call.zone === zone;

// -- legibility ----------------------------------------------------------------------------------------------
// The smallest legible font size for this screen (its diagonal and the farthest seat, from the hall's [board]
// settings, and the page's height in CSS pixels: the board fills the screen).
function size() {
  const px = minFontPx(hall.board.screen_inches, hall.board.viewing_metres, window.innerHeight);
  document.documentElement.style.setProperty("--min", `${px.toFixed(2)}px`);
  document.body.dataset.minFontPx = px.toFixed(2);
  drawCentre();
}

// The centre's name (and the zone) where it fits on one line at that size; else the zone alone; else nothing.
function drawCentre() {
  const centre = $("centre");
  const name = hall.centre.name.uk;
  const texts = zone ? [`${name} · ${zone}`, `${fill(uk.zone, { zone })} / ${fill(en.zone, { zone })}`, zone] : [name];
  for (const text of texts) {
    centre.textContent = text;
    if (centre.scrollWidth <= centre.clientWidth + 1) return;
  }
  centre.textContent = "";
}

// -- sound: one announcement at a time, in order ------------------------------------------------
// Visible to tests and to a technician's console: what was queued for the speakers (cherhaAnnouncements),
// what was played (cherhaPlayed) and what was dropped because its call no longer stood (cherhaSkipped), in order.
const heard = (list, label) => { window[list] = [...(window[list] || []), label]; };
const sounds = [];
let playing = false;
function announce(call) {
  const recall = call.recall_count > 0 ? "&recall=1" : "";
  sounds.push({
    key: call.key,
    label: `${call.ticket}>${call.desk}`,
    url: `/audio/call.wav?ticket=${encodeURIComponent(call.ticket)}&desk=${call.desk}${recall}`,
  });
  heard("cherhaAnnouncements", `${call.ticket}>${call.desk}`);
  playNext(false);
}
// following: straight after another call, so the hall is listening already: no chime before it.
function playNext(following) {
  if (playing) return;
  // A call that no longer stands (the visitor reached the desk, or did not come) is not spoken any more.
  while (sounds.length && !view.calls.some((call) => call.key === sounds[0].key)) heard("cherhaSkipped", sounds.shift().label);
  if (sounds.length === 0) return;
  playing = true;
  const sound = sounds.shift();
  heard("cherhaPlayed", sound.label);
  const audio = new Audio(following ? `${sound.url}&chime=0` : sound.url);
  audio.volume = hall.board.volume;
  let finished = false;
  const done = () => {  // once per announcement, however it ends (an error may also reject play())
    if (finished) return;
    finished = true;
    playing = false;
    playNext(true);
  };
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
function callRow(call, now) {
  const row = document.createElement("li");
  row.dataset.ticket = call.ticket;
  row.dataset.desk = call.desk;
  if ((highlighted.get(call.key) || 0) > now) row.classList.add("new");
  const parts = [["ticket", call.ticket], ["arrow", "→"], ["desk", call.desk]].map(([name, text]) => {
    const part = document.createElement("span");
    part.className = name;
    part.textContent = text;
    return part;
  });
  row.append(...parts);
  return row;
}

// How many of a list's rows, from the first, lie wholly inside it (none cut at its right or bottom edge).
function fitting(list) {
  const box = list.getBoundingClientRect();
  let count = 0;
  for (const row of list.children) {
    const edge = row.getBoundingClientRect();
    const cut = row.scrollWidth > row.clientWidth + 1;
    if (cut || edge.height === 0 || edge.bottom > box.bottom + 0.5 || edge.right > box.right + 0.5) break;
    count += 1;
  }
  return count;
}

// One column of big rows while the calls are few (the hall's recent_calls), else two columns, three, or one,
// of rows at the legible size: the first layout that shows every call, or the one that shows most (the newest
// calls), and "and N more".
const LAYOUTS = [{ many: false, columns: 1 }, { many: true, columns: 2 }, { many: true, columns: 3 }, { many: true, columns: 1 }];
function drawCalls(calls, now) {
  const list = $("calls");
  const more = $("more-calls");
  const rows = calls.map((call) => callRow(call, now));
  const use = (layout, shown) => {
    list.classList.toggle("many", layout.many);
    list.classList.toggle("columns-2", layout.columns === 2);
    list.classList.toggle("columns-3", layout.columns === 3);
    list.replaceChildren(...rows.slice(0, shown));
  };
  more.hidden = true;
  let best = null;
  for (const layout of LAYOUTS) {
    if (!layout.many && calls.length > hall.board.recent_calls) continue;
    use(layout, rows.length);
    const shown = fitting(list);
    if (best === null || shown > best.shown) best = { layout, shown };
    if (shown === rows.length) break;
  }
  use(best.layout, rows.length);
  if (best.shown < rows.length) {
    more.hidden = false;  // the line takes room of its own: as many rows as still fit with it
    for (let keep = best.shown; keep >= 0; keep -= 1) {
      const count = calls.length - keep;
      const [ukText, enText] = [fill(uk.moreCalls, { count }, "uk"), fill(en.moreCalls, { count }, "en")];
      const [ukPart, enPart] = [ukText, enText].map((text) => {  // each language kept on one line
        const part = document.createElement("span");
        part.textContent = text;
        return part;
      });
      more.replaceChildren(ukPart, " / ", enPart);
      use(best.layout, keep);
      if (fitting(list) === keep) break;
    }
  }
  list.dataset.standing = calls.length;
  list.dataset.shown = list.children.length;
}

// Only categories someone waits for (a wall of zeros helps nobody find their line); more than fit are shown a
// page at a time.
// Returns whether a category is too tall to show at all.
function drawWaiting() {
  const list = $("waiting");
  const pager = $("waiting-page");
  const counts = hall.categories.map((category) => [category, category.service_ids
    .filter((sid) => !zoneServices || zoneServices.has(sid))
    .reduce((sum, sid) => sum + (view.queues[sid] ? view.queues[sid].waiting : 0), 0)]);
  const shown = counts.filter(([, count]) => count > 0);
  $("queue-empty").hidden = shown.length > 0;
  list.replaceChildren(...shown.map(([category, count]) => {
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
  pager.hidden = true;
  let { pages, overfull } = paginate(list);
  if (pages > 1) {
    pager.textContent = `${pages} / ${pages}`;
    pager.hidden = false;  // the page number takes room of its own
    ({ pages, overfull } = paginate(list));
  }
  const page = Math.floor(performance.now() / WAITING_PAGE_MS) % pages;
  for (const row of list.children) row.hidden = Number(row.dataset.page) !== page;
  pager.textContent = `${page + 1} / ${pages}`;
  list.dataset.pages = pages;
  return overfull;
}

// Split a list's rows into pages of its height: how many pages, and whether a row is taller than the list.
function paginate(list) {
  for (const row of list.children) row.hidden = false;
  const room = list.clientHeight;
  const heights = [...list.children].map((row) => row.getBoundingClientRect().height);
  let page = 0;
  let used = 0;
  [...list.children].forEach((row, index) => {
    if (used > 0 && used + heights[index] > room + 0.5) {
      page += 1;
      used = 0;
    }
    used += heights[index];
    row.dataset.page = page;
  });
  return { pages: page + 1, overfull: heights.some((height) => height > room + 0.5) };
}

// The running line moves at MARQUEE_EM_PER_SECOND whatever its length: it crosses the screen and its own
// width in (screen + text) / speed. Made again only when its text or the screen changes.
let marquee = null;
let marqueeKey = "";
function runMarquee() {
  const box = $("announcement");
  const line = box.querySelector("span");
  const key = box.hidden ? "" : `${line.textContent}|${box.clientWidth}|${document.body.dataset.minFontPx}`;
  if (key === marqueeKey) return;
  marqueeKey = key;
  if (marquee) marquee.cancel();
  marquee = null;
  if (!key) return;
  const from = box.clientWidth;
  const to = -line.offsetWidth;
  const pxPerSecond = MARQUEE_EM_PER_SECOND * parseFloat(getComputedStyle(line).fontSize);
  marquee = line.animate([{ transform: `translateX(${from}px)` }, { transform: `translateX(${to}px)` }],
    { duration: ((from - to) / pxPerSecond) * 1000, iterations: Infinity });
  marquee.id = "marquee";
  marquee.currentTime = ((from * 0.95) / pxPerSecond) * 1000;  // a new line starts in view, at the left
  line.dataset.pxPerSecond = pxPerSecond.toFixed(2);
}

function render() {
  // What changes the room the lists have comes first: the running line's footer.
  const announcement = view.fields.announcement;
  const line = document.querySelector("#announcement span");
  const text = announcement ? [announcement.uk, announcement.en].filter(Boolean).join("   •   ") : "";
  if (line.textContent !== text) line.textContent = text;
  $("announcement").hidden = !text;
  $("paused").hidden = !view.fields.paused;
  const calls = view.calls.filter(inZone);
  $("no-calls").hidden = calls.length > 0;
  const main = document.querySelector("main");
  main.classList.remove("calls-only");
  // Not even one category fits beside the calls (a small screen read from far): the calls take the width.
  if (drawWaiting()) main.classList.add("calls-only");
  drawCalls(calls, performance.now());
  runMarquee();
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
  $("time").textContent = time;
  $("date").textContent = date;
  render();
}

// Without a valid display token the board can show nothing: it says so, and how a board gets one, rather
// than "no connection".
function noToken() {
  $("no-token").hidden = false;
  $("offline").hidden = true;
  document.body.dataset.online = "no";
}

const client = new Client({
  auth: { token },
  onStatus: (online) => {
    $("offline").hidden = online || !$("no-token").hidden;
    document.body.dataset.online = online ? "yes" : "no";
  },
  onAuthInvalid: noToken,
  onAuthOk: () => { $("no-token").hidden = true; },
});
client.subscribe((frame) => {
  if (!view.apply(frame)) return;
  markHighlights();
  // Only a call made now is spoken: never one from a whole view or a catch-up after a cut.
  if (HallView.isLive(frame)) [...view.newCalls].reverse().filter(inZone).forEach(announce);
  tick();
});
window.addEventListener("resize", () => {
  size();
  render();
});
size();
if (token) client.start();
else noToken();
tick();
setInterval(tick, 1000);
