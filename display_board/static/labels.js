// The one way every page picks and applies its labels: Ukrainian first, English second.
// The tables are per page (board_labels.js, dashboard_labels.js, visitor_labels.js); the lists the server
// names things by (priority categories, feedback reasons, ...) come with their names in GET /api/hall.
const LANGUAGE_NAMES = { uk: "Українська", en: "English" };

// The page's language from ?lang=: anything but English is Ukrainian.
export function pageLang() {
  return new URLSearchParams(location.search).get("lang") === "en" ? "en" : "uk";
}

// One language's labels; a key its table lacks (the board's weekday names in English) comes from Ukrainian.
export function pick(table, lang) {
  return lang === "uk" ? table.uk : { ...table.uk, ...table[lang] };
}

// {name} parameters filled in (a missing one is left empty); a plural text, { one, few, many, other },
// is chosen by `count` with the CLDR rules (Intl.PluralRules), as the Python catalogue does (texts/).
export function fill(text, values = {}, lang = "uk") {
  let chosen = text;
  if (text !== null && typeof text === "object") {
    chosen = text[new Intl.PluralRules(lang).select(Number(values.count))] ?? text.other ?? text.many;
  }
  return String(chosen).replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
}

// "Ukrainian / English", for the hall's displays, which speak to everyone at once.
export function both(table, key) {
  return `${table.uk[key]} / ${table.en[key]}`;
}

// Static texts are named in the page itself: data-label="key" in the page's language, data-label-en="key"
// the English line under it, data-label-both="key" the two joined; data-aria-label="key" names a control that
// has no visible label of its own (for screen readers). Returns the page language's labels.
export function applyLabels(table, lang = "uk", root = document) {
  const t = pick(table, lang);
  const en = pick(table, "en");
  root.querySelectorAll("[data-label]").forEach((el) => { el.textContent = t[el.dataset.label]; });
  root.querySelectorAll("[data-label-en]").forEach((el) => { el.textContent = en[el.dataset.labelEn]; });
  root.querySelectorAll("[data-label-both]").forEach((el) => { el.textContent = both(table, el.dataset.labelBoth); });
  root.querySelectorAll("[data-aria-label]").forEach((el) => { el.setAttribute("aria-label", t[el.dataset.ariaLabel]); });
  if (root === document) document.documentElement.lang = lang;
  return t;
}

// The link to this page in the other language, named in that language.
export function languageLink(link, lang) {
  const other = lang === "uk" ? "en" : "uk";
  const params = new URLSearchParams(location.search);
  params.set("lang", other);
  link.textContent = LANGUAGE_NAMES[other];
  link.href = `${location.pathname}?${params}`;
}

// The name of an id from one of the server's lists in GET /api/hall; the id itself if the list lacks it.
export function nameOf(list, id, lang) {
  const item = (list || []).find((entry) => entry.id === id);
  return item ? item.name[lang] : id;
}

// A moment as people in the hall read it, «24.11.2026 14:05», in the hall's zone (`zone`: its IANA name) —
// not the ISO form, nor the browser's zone. Day first with dots in both languages: unambiguous, as on paper.
export function wallTime(iso, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso))
    .map((part) => [part.type, part.value]));
  return `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}`;
}
