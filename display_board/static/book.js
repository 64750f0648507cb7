// The public booking page: category, service, date, a free time, a phone number → a code and a QR code.
import { LABELS } from "./visitor_labels.js";
import { applyLabels, fill, languageLink, pageLang } from "./labels.js";

const lang = pageLang();
const t = applyLabels(LABELS, lang);
languageLink(document.getElementById("language"), lang);

let hall = await (await fetch("/api/hall")).json();
const $ = (id) => document.getElementById(id);
let chosen = null;
let slotsAsked = 0;

function options(select, items) {
  select.replaceChildren(...items.map(([value, text]) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = text;
    return option;
  }));
}

options($("category"), hall.categories.map((c) => [c.id, c.name[lang]]));
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];  // Date.getUTCDay()'s order

// The days a visitor may choose: from the hall's today to days_ahead, without its holidays and without the
// weekdays the chosen service is not offered (the centre's days off among them), so a closed day is never
// offered. Counted in UTC: a phone in another time zone (booking from abroad) must still see and ask for the
// hall's dates, not its own.
function fillDates() {
  const before = $("date").value;
  const service = hall.services[$("service").value];
  const today = new Date(hall.now.slice(0, 10) + "T12:00:00Z");
  const days = [];
  for (let n = 0; n <= hall.booking.days_ahead; n += 1) {
    const day = new Date(today.getTime() + n * 86400000);
    const iso = day.toISOString().slice(0, 10);
    if (hall.booking.holidays.includes(iso) || !service.days.includes(WEEKDAYS[day.getUTCDay()])) continue;
    const label = day.toLocaleDateString(lang === "uk" ? "uk-UA" : "en-GB", { weekday: "short", day: "numeric", month: "long", timeZone: "UTC" });
    days.push([iso, label]);
  }
  options($("date"), days);
  // The day chosen before, or the next one still offered (a day just closed gives way to the one after it).
  const keep = days.find(([iso]) => iso >= before);
  if (before && keep) $("date").value = keep[0];
}

function fillServices() {
  const category = hall.categories.find((c) => c.id === $("category").value);
  options($("service"), category.service_ids.map((id) => [id, hall.services[id].name[lang]]));
}

async function fillSlots() {
  chosen = null;
  const asked = ++slotsAsked;
  if (!$("date").value) {  // no day left to offer for this service
    $("slots").replaceChildren();
    $("no-slots").hidden = false;
    return;
  }
  const query = new URLSearchParams({ service_id: $("service").value, date: $("date").value });
  const answer = await (await fetch(`/api/booking/slots?${query}`)).json();
  if (asked !== slotsAsked) return;  // another day or service was chosen meanwhile: its answer is the one to show
  const free = (answer.slots || []).filter((s) => s.free > 0);
  $("slots").replaceChildren(...free.map((slot) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = slot.start.slice(11, 16);
    button.dataset.start = slot.start;
    // The chosen time is told by more than its colour: aria-pressed for screen readers, a tick for the eye.
    button.setAttribute("aria-pressed", "false");
    button.onclick = () => {
      chosen = slot.start;
      document.querySelectorAll(".slots button").forEach((b) => {
        b.classList.toggle("chosen", b === button);
        b.setAttribute("aria-pressed", String(b === button));
      });
    };
    return button;
  }));
  $("no-slots").hidden = free.length > 0;
}

$("category").onchange = () => { fillServices(); fillDates(); fillSlots(); };
$("service").onchange = () => { fillDates(); fillSlots(); };
$("date").onchange = fillSlots;
fillServices();
fillDates();
// A link may name the service and the date (the city's public page links to a centre's soonest free time).
const asked = new URLSearchParams(location.search);
const askedCategory = hall.categories.find((c) => c.service_ids.includes(asked.get("service")));
if (askedCategory) {
  $("category").value = askedCategory.id;
  fillServices();
  $("service").value = asked.get("service");
  fillDates();
}
if ([...$("date").options].some((option) => option.value === asked.get("date"))) $("date").value = asked.get("date");
await fillSlots();

// Refusals that mean the page's days or times are out of date (a holiday declared, a slot taken meanwhile):
// the page asks again, so the visitor is not offered the same closed day or full time twice.
const STALE = new Set(["unknown_slot", "slot_full", "slot_in_past", "slot_too_far", "booking_day_closed",
                       "booking_day_not_offered", "service_not_bookable"]);

async function refused(error) {
  const day = $("date").selectedOptions[0]?.textContent;
  // A closed day is named as the visitor saw it («чт, 26 листопада»), before the reason.
  const named = error.code.startsWith("booking_day_") && day ? `${day}: ` : "";
  $("error").textContent = named + error.message[lang];
  if (!STALE.has(error.code)) return;
  hall = await (await fetch("/api/hall")).json();
  fillDates();
  await fillSlots();
}

$("form").onsubmit = async (submit) => {
  submit.preventDefault();
  $("error").textContent = "";
  if (!chosen) { $("error").textContent = `${t.time}: ${t.choose}`; return; }
  const body = { command_id: crypto.randomUUID().replaceAll("-", ""), service_id: $("service").value, start: chosen,
                 phone: $("phone").value, consent: $("consent").checked, lang };
  const response = await fetch("/api/bookings", { method: "POST", headers: { "Content-Type": "application/json" },
                                                  body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) { await refused(answer.error); return; }
  if (response.status === 202) { askCode(answer.pending); return; }  // a modem: the number is confirmed first
  showBooking(answer.booking);
};

// The server texted a code to the number; the booking is made once it is typed here.
function askCode(pending) {
  $("form").hidden = true;
  $("confirm").hidden = false;
  $("sms-code").focus();
  $("confirm").onsubmit = async (submit) => {
    submit.preventDefault();
    $("confirm-error").textContent = "";
    const body = { command_id: crypto.randomUUID().replaceAll("-", ""), pending, code: $("sms-code").value.trim() };
    const response = await fetch("/api/bookings/confirm", { method: "POST", headers: { "Content-Type": "application/json" },
                                                            body: JSON.stringify(body) });
    const answer = await response.json();
    if (!response.ok) { $("confirm-error").textContent = answer.error.message[lang]; return; }
    $("confirm").hidden = true;
    showBooking(answer.booking);
  };
}

function showBooking(booking) {
  const link = `${location.origin}/b/${booking.code}?lang=${lang}`;
  $("done-when").textContent = `${hall.services[booking.service_id].name[lang]} — ${booking.start.slice(8, 10)}.${booking.start.slice(5, 7)} ${booking.start.slice(11, 16)}`;
  $("code").textContent = booking.code;
  $("qr").src = `/qr.svg?data=${encodeURIComponent(link)}`;
  $("qr").alt = fill(t.qrAlt, { code: booking.code });
  $("open").href = link;
  $("form").hidden = true;
  $("done").hidden = false;
}
