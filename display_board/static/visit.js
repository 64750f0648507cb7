// A visitor's own page, from the ticket's QR (/f/<token>) or the booking (/b/<code>): live, never polled.
import { LABELS } from "./visitor_labels.js";
import { applyLabels, languageLink, pageLang } from "./labels.js";
import { Client } from "./protocol.js";

const lang = pageLang();
const t = applyLabels(LABELS, lang);
const [, kind, key] = location.pathname.split("/");
const $ = (id) => document.getElementById(id);
$("title").textContent = kind === "b" ? t.yourBooking : t.yourTicket;
languageLink($("language"), lang);
const hall = await (await fetch("/api/hall")).json();

function show(status) {
  const booking = status.booking;
  if (booking) {
    $("booking").hidden = false;
    $("booking-service").textContent = hall.services[booking.service_id].name[lang];
    $("booking-when").textContent = `${booking.start.slice(8, 10)}.${booking.start.slice(5, 7)} ${booking.start.slice(11, 16)}`;
    $("booking-code").textContent = `${t.code}: ${booking.code}`;
    $("booking-state").textContent = booking.cancelled ? t.cancelled : booking.checked_in ? t.checkedIn : t.notCheckedIn;
    $("cancel").hidden = booking.cancelled || booking.checked_in;
  }
  const visit = status.visit;
  $("visit").hidden = !visit;
  if (!visit) { offerFeedback(); return; }
  if (visit.finished) offerFeedback();
  $("visit-title").textContent = t.yourTicket;
  $("ticket").textContent = visit.ticket;
  let line = "";
  if (visit.state === "called") line = `${t.called} ${visit.desk}`;
  else if (visit.state === "serving") line = t.serving;
  else if (visit.state === "postponed") line = t.postponed;
  else if (visit.finished) line = t.done;
  else line = `${t.ahead}: ${visit.ahead}`;
  $("status").textContent = line;
  $("status").dataset.state = visit.state;
  $("wait").textContent = visit.state !== "waiting" ? ""
    : visit.estimated_wait_minutes === null ? t.noDesk : `${t.wait}: ${visit.estimated_wait_minutes} ${t.minutes}`;
}

// -- feedback: once the visit is finished, from the ticket's own page ------------------------------
$("reason").replaceChildren(new Option("—", ""), ...hall.feedback_reasons.map((r) => new Option(r.name[lang], r.id)));
let feedbackChecked = false;

async function offerFeedback() {
  if (kind !== "f" || feedbackChecked) return;
  const response = await fetch(`/api/feedback/${key}`);
  if (!response.ok) return;
  const status = await response.json();
  if (!status.finished) return;
  feedbackChecked = true;
  if (status.rated) { $("thanks").hidden = false; $("thanks").textContent = t.alreadyRated; return; }
  $("not-found").hidden = true;
  $("feedback").hidden = false;
}

async function sendFeedback(good) {
  const body = { good, reason: $("reason").value || null, comment: $("comment").value.trim() || null };
  const response = await fetch(`/api/feedback/${key}`, { method: "POST", headers: { "Content-Type": "application/json" },
                                                         body: JSON.stringify(body) });
  $("feedback").hidden = true;
  $("thanks").hidden = false;
  $("thanks").textContent = response.ok ? t.thanks : (await response.json()).error.message[lang];
}
$("good").onclick = () => sendFeedback(true);
$("bad").onclick = () => sendFeedback(false);

$("cancel").onclick = async () => {
  const response = await fetch(`/api/bookings/${key}`, { method: "DELETE" });
  if (response.ok) { $("booking-state").textContent = t.cancelled; $("cancel").hidden = true; }
};

// The visit's status is pushed by the server (watch_visit) through the shared protocol client.
const client = new Client({
  auth: kind === "b" ? { booking_code: key } : { visit_token: key },
  onStatus: (online) => { $("offline").hidden = online; },
  onAuthInvalid: (error) => {
    if (error.code === "too_many_attempts") return;  // this address guessed too much: the client retries slowly
    client.close();  // no such ticket or booking (today): nothing to follow, so no reconnecting either
    $("offline").hidden = true;
    $("not-found").hidden = false;
    offerFeedback();  // a visit of an earlier day can still be rated
  },
});
client.watchVisit((frame) => show(frame.status));
client.start();
