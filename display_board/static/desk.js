// The display over one desk: its number, the ticket called or served there, or "break" / "closed", drawn from
// the desk's view (view.desks[n]) as the server sends it.
import { LABELS } from "./board_labels.js";
import { applyLabels, both } from "./labels.js";
import { HallView } from "./hall_view.js";
import { Client } from "./protocol.js";

const uk = applyLabels(LABELS);
const en = LABELS.en;
const number = Number(location.pathname.split("/").pop());
const token = new URLSearchParams(location.search).get("token") || "";
const view = new HallView();
let blinkUntil = 0;
let refused = !token;  // no display token, or one the server refused: nothing to show but that

document.getElementById("desk-number").textContent = `${uk.desk} ${number} · ${en.desk} ${number}`;

function render() {
  const desk = view.desks.get(number) || { status: "closed", ticket: null, visit_state: null };
  const body = document.body;
  body.className = "desk";
  let state = "";
  if (refused) {
    body.classList.add("closed");
    state = both(LABELS, "noToken");
  } else if (desk.status === "closed") {
    body.classList.add("closed");
    state = both(LABELS, "closed");
  } else if (desk.status === "paused") {
    body.classList.add("paused");
    state = both(LABELS, "break");
  } else if (desk.ticket && desk.visit_state === "called") {
    if (performance.now() < blinkUntil) body.classList.add("calling");
    state = both(LABELS, "calling");
  } else if (desk.ticket) {
    state = both(LABELS, "serving");
  } else {
    state = both(LABELS, "free");
  }
  document.getElementById("ticket").textContent = desk.status === "open" && !refused ? desk.ticket || "" : "";
  document.getElementById("state").textContent = state;
  body.dataset.status = desk.status;
  body.dataset.seq = view.seq ?? "";
}

const client = new Client({
  auth: { token },
  onStatus: (online) => { document.getElementById("offline").hidden = online || refused; },
  onAuthInvalid: () => {
    refused = true;
    render();
  },
  onAuthOk: () => { refused = false; },
});
client.subscribe((frame) => {
  if (!view.apply(frame)) return;
  // A call (or recall) to this desk made now blinks; one found standing after a reconnect does not.
  if (HallView.isLive(frame) && view.newCalls.some((call) => call.desk === number)) blinkUntil = performance.now() + 8000;
  render();
});
if (token) client.start();
render();
