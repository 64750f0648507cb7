// The city's public page: for a chosen service, which centre has the shortest predicted wait now and which the
// soonest free booking slot, near the visitor if they say where they are. The visitor's location never leaves
// the phone: distances are computed here from the centres' published coordinates (docs/city.md).
import { LABELS } from "./city_public_labels.js";
import { applyLabels, fill, languageLink, pageLang } from "./labels.js";
import { el } from "./dom.js";

const lang = pageLang();
const locale = lang === "uk" ? "uk-UA" : "en-GB";
const t = applyLabels(LABELS, lang);
const $ = (id) => document.getElementById(id);
languageLink($("language"), lang);

const REFRESH_MS = 15000; // the branches' summaries come every few seconds; a phone need not ask more often
const RADII_KM = [2, 5, 10, 20];
const EARTH_KM = 6371;

let view = null; // the city's answer for the chosen service
let here = null; // { latitude, longitude } once the phone has shared it (kept in this page only)
const places = new Map(); // branch → { name, location } of every centre seen, for the "near" choice
let timer = null;

// The page always asks the city (`no-cache`): the answers' `max-age=5` is for proxies in front of the city, and
// a visitor who reloads must not be shown the figures of a moment ago (an air-raid pause, a centre closing).
async function getJson(url) {
  const response = await fetch(url, { cache: "no-cache" });
  const data = await response.json();
  if (!response.ok) throw Object.assign(new Error(data.error.code), { status: response.status, error: data.error });
  return data;
}

function option(value, text) {
  return el("option", { value, textContent: text });
}

function minutes(count) {
  return count === 0 ? t.noQueue : fill(t.aboutMinutes, { count }, lang);
}

function when(slot) {
  // The slot's date and time as the centre states them (its own offset), whatever the phone's time zone.
  const date = new Date(`${slot.slice(0, 10)}T12:00:00Z`).toLocaleDateString(
    locale, { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
  return fill(t.at, { date, time: slot.slice(11, 16) });
}

function km(value) {
  return value.toLocaleString(locale, { maximumFractionDigits: value < 10 ? 1 : 0 });
}

// Great-circle distance (haversine), in kilometres.
function distance(a, b) {
  const rad = (deg) => (deg * Math.PI) / 180;
  const h = Math.sin(rad(b.latitude - a.latitude) / 2) ** 2
    + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(rad(b.longitude - a.longitude) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.sqrt(h));
}

// Where distances are measured from: the phone's position, or the centre the visitor said they are near.
function origin() {
  const chosen = $("origin").value;
  if (chosen === "here") return here;
  return places.get(chosen)?.location ?? null;
}

function fillOrigins() {
  const chosen = $("origin").value;
  const centres = [...places.entries()].filter(([, place]) => place.location)
    .sort(([, a], [, b]) => a.name[lang].localeCompare(b.name[lang], locale));
  $("origin").replaceChildren(option("", t.originAny), option("here", t.originHere),
    ...centres.map(([branch, place]) => option(branch, fill(t.originNear, { name: place.name[lang] }))));
  $("origin").value = [...$("origin").options].some((o) => o.value === chosen) ? chosen : "";
}

function fillRadii() {
  const chosen = $("radius").value;
  $("radius").replaceChildren(option("", t.radiusAny),
    ...RADII_KM.map((value) => option(String(value), fill(t.radiusKm, { km: value }))));
  $("radius").value = chosen;
}

// The page's choice among the centres within reach: a live, open, unpaused centre with a predicted wait, the
// shortest first (then the nearer, then the fewer waiting); and separately the soonest free booking slot.
// A centre with no data is never chosen: its figures are unknown, not good.
function choose(entries) {
  const near = (a, b) => (a.distance ?? 0) - (b.distance ?? 0);
  const waits = entries.filter((b) => b.status === "live" && b.open && !b.paused && b.estimated_wait_minutes !== null)
    .sort((a, b) => a.estimated_wait_minutes - b.estimated_wait_minutes || near(a, b) || a.waiting - b.waiting);
  const slots = entries.filter((b) => b.status === "live" && b.soonest_slot)
    .sort((a, b) => Date.parse(a.soonest_slot) - Date.parse(b.soonest_slot) || near(a, b));
  return { wait: waits[0] ?? null, slot: slots[0] ?? null };
}

function say(id, text) {
  if ($(id).textContent !== text) $(id).textContent = text; // the live region speaks only what changed
}

function render() {
  const from = origin();
  $("radius").disabled = !from;
  const radius = from && $("radius").value ? Number($("radius").value) : null;
  const entries = view.branches.map((b) => ({ ...b, distance: from && b.location ? distance(from, b.location) : null }));
  const reachable = radius === null ? entries : entries.filter((b) => b.distance !== null && b.distance <= radius);
  const best = choose(reachable);
  if (radius !== null && reachable.length === 0) {
    say("best-wait", fill(t.noneWithin, { km: radius }));
    say("best-slot", "");
  } else {
    say("best-wait", best.wait ? fill(t.bestWait, { name: best.wait.name[lang], wait: minutes(best.wait.estimated_wait_minutes) })
      : t.noBestWait);
    say("best-slot", best.slot ? fill(t.bestSlot, { name: best.slot.name[lang], when: when(best.slot.soonest_slot) })
      : t.noBestSlot);
  }
  say("scope", radius === null || reachable.length === 0 ? "" : fill(t.within, { km: radius }));
  $("list-title").textContent = fill(t.listTitle, { service: view.service.name[lang] });
  // The list: nearest first when the visitor said where they are, else the shortest wait first; no data last.
  const rank = (b) => (from ? (b.distance ?? Infinity) : (b.status === "live" && b.open ? (b.estimated_wait_minutes ?? 1e6) : 2e6));
  // Within the chosen distance only: the centres out of reach are not the visitor's to weigh.
  reachable.sort((a, b) => (a.status === "no_data") - (b.status === "no_data") || rank(a) - rank(b)
    || a.name[lang].localeCompare(b.name[lang], locale));
  $("branches").replaceChildren(...reachable.map((b) => branchItem(b, best)));
  $("updated").textContent = fill(t.updated, { time: new Date().toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" }) });
}

function branchItem(b, best) {
  const tags = [];
  if (best.wait && best.wait.branch === b.branch) tags.push(el("span", { className: "tag tag-wait" }, t.tagWait));
  if (best.slot && best.slot.branch === b.branch) tags.push(el("span", { className: "tag tag-slot" }, t.tagSlot));
  const lines = [];
  if (b.status === "no_data") {
    lines.push(el("p", { className: "status no-data" }, t.noData));
  } else {
    const status = b.paused ? t.paused : (b.open ? t.open : t.closed);
    lines.push(el("p", { className: `status ${b.paused ? "paused" : (b.open ? "open" : "closed")}` }, status));
    if (b.open && !b.paused) {
      lines.push(el("p", {}, b.waiting ? fill(t.waiting, { count: b.waiting }, lang) : t.nobodyWaiting));
      lines.push(el("p", { className: "wait" }, b.estimated_wait_minutes === null ? t.noDesk
        : fill(t.waitLine, { wait: minutes(b.estimated_wait_minutes) })));
    }
    lines.push(el("p", {}, b.soonest_slot ? fill(t.slotLine, { when: when(b.soonest_slot) }) : t.noSlot));
  }
  const link = b.booking_url && b.status === "live" && b.soonest_slot
    ? el("a", { className: "book", href: `${b.booking_url}&date=${b.soonest_slot.slice(0, 10)}&lang=${lang}` }, t.book)
    : null;
  return el("li", { className: `branch${tags.length ? " chosen" : ""}`, dataset: { branch: b.branch } },
    el("h3", {}, b.name[lang]),
    tags.length ? el("p", { className: "tags" }, ...tags) : null,
    b.address ? el("p", { className: "address" }, b.address[lang]) : null,
    b.distance !== null ? el("p", { className: "distance" }, fill(t.distance, { km: km(b.distance) })) : null,
    ...lines, link);
}

async function loadWait() {
  clearTimeout(timer);
  const service = $("service").value;
  if (!service) return;
  try {
    const answer = await getJson(`/api/city/public/wait?${new URLSearchParams({ service })}`);
    if ($("service").value !== service) return; // the visitor chose another service meanwhile: its answer rules
    view = answer;
    for (const b of view.branches) places.set(b.branch, { name: b.name, location: b.location });
    fillOrigins();
    $("error").textContent = "";
    render();
  } catch (failure) {
    if (failure.status === 404) { await loadServices(); return; } // the service is offered nowhere now
    $("error").textContent = failure.error ? failure.error.message[lang] : t.offline;
  }
  timer = setTimeout(loadWait, REFRESH_MS);
}

async function loadServices() {
  clearTimeout(timer);
  try {
    const { services } = await getJson("/api/city/public/services");
    const wanted = $("service").value || new URLSearchParams(location.search).get("service");
    $("service").replaceChildren(...services.map((s) => option(s.id, s.name[lang])));
    if (services.some((s) => s.id === wanted)) $("service").value = wanted;
    $("error").textContent = services.length ? "" : t.noServices;
    if (services.length) await loadWait();
    else timer = setTimeout(loadServices, REFRESH_MS);
  } catch (failure) {
    $("error").textContent = failure.error ? failure.error.message[lang] : t.offline;
    timer = setTimeout(loadServices, REFRESH_MS);
  }
}

$("service").onchange = () => {
  // The address names the service, so a visitor can share or bookmark the answer; the language stays.
  const params = new URLSearchParams(location.search);
  params.set("service", $("service").value);
  history.replaceState(null, "", `${location.pathname}?${params}`);
  languageLink($("language"), lang); // the other language's link keeps the service
  loadWait();
};
$("origin").onchange = () => {
  if ($("origin").value === "here" && !here) locate();
  else if (view) render();
};
$("radius").onchange = () => { if (view) render(); };
$("locate").onclick = locate;

function locate() {
  if (!navigator.geolocation) { $("locate-note").textContent = t.locateFailed; return; }
  $("locate-note").textContent = t.locating;
  navigator.geolocation.getCurrentPosition((position) => {
    here = { latitude: position.coords.latitude, longitude: position.coords.longitude };
    $("origin").value = "here";
    $("locate-note").textContent = t.locateNote;
    if (view) render();
  }, () => {
    if ($("origin").value === "here") $("origin").value = "";
    $("locate-note").textContent = t.locateFailed;
    if (view) render();
  }, { timeout: 15000, maximumAge: 300000 });
}

fillOrigins();
fillRadii();
await loadServices();
