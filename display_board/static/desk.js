// The display over one desk: its number, the ticket called or served there, or "break" / "closed".
import { LABELS } from "./board_labels.js";
import { applyLabels, both } from "./labels.js";
import { HallModel } from "./hall_model.js";
import { Connection } from "./connection.js";

const uk = applyLabels(LABELS);
const en = LABELS.en;
const number = Number(location.pathname.split("/").pop());
const token = new URLSearchParams(location.search).get("token") || "";
const hall = await (await fetch("/api/hall")).json();
const model = new HallModel(hall, null);
let blinkUntil = 0;

document.getElementById("desk-number").textContent = `${uk.desk} ${number} · ${en.desk} ${number}`;

function render() {
  const desk = model.desks.get(number) || { status: "closed", ticket: null, visitState: null };
  const body = document.body;
  body.className = "desk";
  let state = "";
  if (desk.status === "closed") {
    body.classList.add("closed");
    state = both(LABELS, "closed");
  } else if (desk.status === "paused") {
    body.classList.add("paused");
    state = both(LABELS, "break");
  } else if (desk.ticket && desk.visitState === "called") {
    if (Date.now() < blinkUntil) body.classList.add("calling");
    state = both(LABELS, "calling");
  } else if (desk.ticket) {
    state = both(LABELS, "serving");
  } else {
    state = both(LABELS, "free");
  }
  document.getElementById("ticket").textContent = desk.status === "open" ? desk.ticket || "" : "";
  document.getElementById("state").textContent = state;
  body.dataset.status = desk.status;
}

new Connection({
  token,
  onSnapshot: (snapshot) => { model.loadSnapshot(snapshot); render(); },
  onEvent: (event) => {
    model.apply(event);
    if ((event.type === "visit_called" || event.type === "visit_recalled") && event.desk === number) {
      blinkUntil = Date.now() + 8000;
    }
    render();
  },
  onStatus: (online) => { document.getElementById("offline").hidden = online; },
});
render();
