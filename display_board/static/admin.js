// The administration section (/admin, the admin role only): operators, desks, services, the centre, devices
// and the change log, each a screen of its own module, reached by the address's #fragment. Every change goes
// through the admin REST API (docs/admin-api.md); the server validates it, logs it as an event with who and
// when, and applies it live. The page signs in like the dashboard and keeps only the session token.
import { LABELS } from "./admin_labels.js";
import { session } from "./dashboard_labels.js";
import { applyLabels, languageLink, pageLang } from "./labels.js";
import { el } from "./dom.js";
import { AdminApi } from "./admin_form.js";
import { operatorsScreen } from "./admin_operators.js";
import { desksScreen } from "./admin_desks.js";
import { servicesScreen } from "./admin_services.js";
import { centreScreen } from "./admin_centre.js";
import { devicesScreen } from "./admin_devices.js";
import { auditScreen } from "./admin_audit.js";

const SCREENS = { operators: operatorsScreen, desks: desksScreen, services: servicesScreen, centre: centreScreen,
                  devices: devicesScreen, audit: auditScreen };
const lang = pageLang();
const t = applyLabels(LABELS, lang);
const $ = (id) => document.getElementById(id);

async function show(ctx) {
  const name = SCREENS[location.hash.slice(1)] ? location.hash.slice(1) : "operators";
  document.querySelectorAll("#screens a").forEach((link) => {
    if (link.dataset.screen === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  document.title = `${t[name]} — ${t.title}`;
  const main = $("screen");
  main.replaceChildren(el("p", { className: "hint" }, t.loading));
  main.dataset.screen = name;
  delete main.dataset.ready;
  try {
    main.replaceChildren(...await SCREENS[name](ctx));
    main.dataset.ready = name;  // tests and screenshots wait for this
  } catch (failure) {
    if (failure.status === 401) { sessionStorage.removeItem("cherha-token"); location.reload(); return; }
    if (failure.status === 403) { $("not-admin").hidden = false; main.replaceChildren(); return; }
    main.replaceChildren(el("p", { className: "error" }, failure.error ? failure.error.message[lang] : String(failure)));
  }
}

function start(token) {
  $("app").hidden = false;
  languageLink($("language"), lang);
  // The screen's #fragment survives the language switch.
  $("language").onclick = () => { $("language").href = $("language").href.split("#")[0] + location.hash; };
  const ctx = { api: new AdminApi(token), t, lang, refresh: () => show(ctx) };
  $("sign-out").onclick = async (event) => {
    event.preventDefault();
    await fetch("/api/sessions", { method: "DELETE", headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
    sessionStorage.removeItem("cherha-token");
    location.reload();
  };
  window.addEventListener("hashchange", () => show(ctx));
  show(ctx);
}

session(lang, start);
