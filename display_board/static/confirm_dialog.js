// A confirmation before an action that affects visitors (close a service, pause the hall, revoke a kiosk,
// cancel bookings): a modal <dialog> — focus moves into it and stays there, Esc cancels, the safe choice
// has the focus first, the title and the consequence are read out by screen readers — never window.confirm,
// which blocks the page (and its live updates) and cannot be styled or translated.
import { el } from "./dom.js";

let dialog = null;

function build() {
  const title = el("h2", { id: "confirm-title" });
  const body = el("div", { id: "confirm-body" });
  const cancel = el("button", { type: "button", id: "confirm-cancel", className: "secondary" });
  const ok = el("button", { type: "button", id: "confirm-ok" });
  dialog = el("dialog", { id: "confirm", className: "confirm" }, title, body, el("div", { className: "actions" }, cancel, ok));
  dialog.setAttribute("aria-labelledby", "confirm-title");
  dialog.setAttribute("aria-describedby", "confirm-body");
  document.body.append(dialog);
  return dialog;
}

// Resolves true when confirmed, false when cancelled (button, Esc). `body`: text or nodes (a list of visitors).
export function confirmAction({ title, body, confirm, cancel, danger = true }) {
  const box = dialog || build();
  box.querySelector("#confirm-title").textContent = title;
  box.querySelector("#confirm-body").replaceChildren(...[].concat(body).map((part) => (part instanceof Node ? part : el("p", {}, part))));
  const ok = box.querySelector("#confirm-ok");
  const no = box.querySelector("#confirm-cancel");
  ok.textContent = confirm;
  ok.className = danger ? "danger" : "";
  no.textContent = cancel;
  return new Promise((resolve) => {
    const done = (answer) => {
      ok.onclick = no.onclick = box.oncancel = null;
      box.close();
      resolve(answer);
    };
    ok.onclick = () => done(true);
    no.onclick = () => done(false);
    box.oncancel = (event) => { event.preventDefault(); done(false); };
    box.showModal();
    no.focus();
  });
}
