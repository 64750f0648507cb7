// The centre: names, the public address for QR links, opening hours per weekday, breaks, holidays and
// shortened days, the waiting target, priority categories and their daily caps, booking rules, retention.
// A schedule change that would leave booked visitors outside the hours is refused by the server with the
// list (bookings_affected): the page shows whom it affects, and only on confirmation cancels them, then
// keeps the list on screen so staff can warn those visitors. docs/admin-api.md "The centre".
import { el } from "./dom.js";
import { fill, wallTime } from "./labels.js";
import { confirmAction } from "./confirm_dialog.js";
import { field, form, input, numberOrNull } from "./admin_form.js";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// "08:00-16:00" as two 24-hour fields; value() gives it back ("" when both are empty). Plain text, not
// <input type=time>: that one shows "08:00 AM" on a browser set to English, and a centre works in 24 hours.
function range(value, t, id) {
  const [from, to] = (value || "").split("-");
  const time = (text, suffix) => input({ value: text || "", id: `${id}-${suffix}`, className: "time", inputMode: "numeric",
                                          maxLength: 5, placeholder: "––:––", autocomplete: "off" });
  const start = time(from, "from");
  const end = time(to, "to");
  start.setAttribute("aria-label", t.from);
  end.setAttribute("aria-label", t.to);
  const box = el("span", { className: "range" }, start, " – ", end);
  box.value = () => (start.value || end.value ? `${start.value}-${end.value}` : "");
  return box;
}

// A list of rows the admin adds to and removes from; `make(value, index)` builds a row and its value().
function rows(t, values, make, addLabel, id) {
  const list = el("ul", { className: "rows", id });
  const items = [];
  const add = (value) => {
    const item = make(value, items.length);
    const remove = el("button", { type: "button", className: "small secondary" }, "✕");
    remove.setAttribute("aria-label", t.remove);
    const li = el("li", {}, item.node, remove);
    item.li = li;
    remove.onclick = () => { items.splice(items.indexOf(item), 1); li.remove(); };
    items.push(item);
    list.append(li);
    return item;
  };
  values.forEach((value) => add(value));
  const button = el("button", { type: "button", className: "small secondary", id: `${id}-add` }, `+ ${addLabel}`);
  button.onclick = () => { const item = add(null); const first = item.node.querySelector("input"); if (first) first.focus(); };
  // In date order once saved (the server keeps them so): a day added at the end must not stay out of order.
  const sort = () => {
    const key = (item) => { const v = item.value(); return v === null ? "\uffff" : String(v); };
    items.sort((a, b) => key(a).localeCompare(key(b)));
    list.append(...items.map((item) => item.li));
  };
  return { node: el("div", {}, list, button), value: () => items.map((item) => item.value()).filter((v) => v !== null), sort };
}

function bookingsTable(t, bookings, names, zone) {
  return el("table", { className: "list affected" },
    el("thead", {}, el("tr", {}, ...[t.bookingCode, t.bookingService, t.bookingStart, t.channel].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...bookings.map((b) => el("tr", { dataset: { code: b.code } }, el("td", {}, el("b", {}, b.code)),
      el("td", {}, names.get(b.service) || b.service),
      el("td", {}, wallTime(b.start, zone)),
      el("td", {}, t.channels[b.channel] || b.channel)))));
}

export async function centreScreen(ctx) {
  const { api, t, lang } = ctx;
  const [centre, catalogue] = await Promise.all([api.get("centre"), api.get("services")]);
  const names = new Map(catalogue.services.map((s) => [s.id, s.name[lang] || s.name.uk]));
  const notices = el("div", { id: "cancelled-bookings" });
  const num = (value, props = {}) => input({ type: "number", value: value ?? "", className: "short", ...props });

  const nameUk = input({ value: centre.name.uk, maxLength: 200 });
  const nameEn = input({ value: centre.name.en, maxLength: 200, lang: "en" });
  const publicUrl = input({ type: "url", value: centre.public_url, maxLength: 300, placeholder: "https://cnap.example.ua", id: "public-url" });
  const hours = Object.fromEntries(WEEKDAYS.map((day) => [day, range(centre.hours[day], t, `hours-${day}`)]));
  const breaks = rows(t, centre.breaks, (value, index) => { const r = range(value, t, `break-${index}`); return { node: r, value: () => r.value() || null }; }, t.addBreak, "breaks");
  const holidays = rows(t, centre.holidays, (value) => {
    const day = input({ type: "date", value: value || "" });
    day.setAttribute("aria-label", t.holidays);
    return { node: day, value: () => day.value || null };
  }, t.addHoliday, "holidays");
  const shortened = rows(t, Object.entries(centre.shortened), (value, index) => {
    const day = input({ type: "date", value: value ? value[0] : "" });
    day.setAttribute("aria-label", t.shortened);
    const r = range(value ? value[1] : "", t, `short-${index}`);
    return { node: el("span", { className: "row" }, day, r), value: () => (day.value ? [day.value, r.value()] : null) };
  }, t.addShortened, "shortened");
  const policy = { sla_walk_in_minutes: num(centre.policy.sla_walk_in_minutes, { min: 1, max: 480, id: "sla-walk-in" }),
                   sla_booked_minutes: num(centre.policy.sla_booked_minutes, { min: 1, max: 480 }),
                   recall_limit: num(centre.policy.recall_limit, { min: 0, max: 20 }) };
  const priorities = rows(t, centre.priority_categories, (value) => {
    const v = value || { id: "", name: { uk: "", en: "" }, level: 1, daily_cap: null };
    const f = { id: input({ value: v.id, maxLength: 64, className: "short", readOnly: Boolean(value) }),
                uk: input({ value: v.name.uk, maxLength: 200 }), en: input({ value: v.name.en, maxLength: 200, lang: "en" }),
                level: num(v.level, { min: 1, max: 9 }), cap: num(v.daily_cap, { min: 1, max: 10000, placeholder: t.noCap }) };
    return { node: el("div", { className: "grid5 priority" }, field(t.priorityId, f.id, "id"), field(t.nameUk, f.uk, "name.uk"),
                      field(t.nameEn, f.en, "name.en"), field(t.level, f.level, "level"), field(t.dailyCap, f.cap, "daily_cap")),
             value: () => (f.id.value.trim() ? { id: f.id.value.trim(), name: { uk: f.uk.value.trim(), en: f.en.value.trim() },
                                                 level: Number(f.level.value), daily_cap: numberOrNull(f.cap) } : null) };
  }, t.addPriority, "priorities");
  const booking = { slot_minutes: num(centre.booking.slot_minutes, { min: 5, max: 240 }),
                    share: num(Math.round(centre.booking.share * 100), { min: 1, max: 100 }),
                    days_ahead: num(centre.booking.days_ahead, { min: 0, max: 365 }),
                    per_person_month: num(centre.booking.per_person_month, { min: 0, max: 100 }),
                    checkin_before_minutes: num(centre.booking.checkin_before_minutes, { min: 0, max: 480 }),
                    checkin_after_minutes: num(centre.booking.checkin_after_minutes, { min: 0, max: 480 }) };
  const retention = num(centre.booking.phone_retention_days, { min: 0, max: 3650, id: "phone-retention" });

  const body = () => ({
    name: { uk: nameUk.value.trim(), en: nameEn.value.trim() }, public_url: publicUrl.value.trim(),
    hours: Object.fromEntries(WEEKDAYS.map((day) => [day, hours[day].value() || null])),
    breaks: breaks.value(), holidays: holidays.value(), shortened: Object.fromEntries(shortened.value()),
    policy: Object.fromEntries(Object.entries(policy).map(([key, node]) => [key, Number(node.value)])),
    priority_categories: priorities.value(),
    booking: { ...Object.fromEntries(Object.entries(booking).map(([key, node]) => [key, Number(node.value)])),
               share: Number(booking.share.value) / 100, phone_retention_days: Number(retention.value) },
  });

  const save = async () => {
    let answer;
    try {
      answer = await api.call("PATCH", "centre", body());
    } catch (failure) {
      if (!failure.error || failure.error.code !== "bookings_affected") throw failure;
      const { count, bookings } = failure.error.params;
      const sure = await confirmAction({ title: t.affectedTitle, body: [fill(t.affectedBody, { count }, lang),
        bookingsTable(t, bookings, names, centre.timezone)], confirm: t.affectedConfirm, cancel: t.cancel });
      if (!sure) return false;
      answer = await api.call("PATCH", "centre", { ...body(), confirm_affected: true });
    }
    holidays.sort();
    shortened.sort();
    notices.replaceChildren(...(answer.cancelled && answer.cancelled.length ? [el("section", { className: "once", role: "alert" },
      el("h3", {}, t.cancelledTitle), bookingsTable(t, answer.cancelled, names, centre.timezone))] : []));
    return true;
  };
  const group = (title, ...children) => el("fieldset", {}, el("legend", {}, title), ...children);
  const node = form(t, lang, [
    group(t.centreName, el("div", { className: "grid2" }, field(t.nameUk, nameUk, "name.uk"), field(t.nameEn, nameEn, "name.en")),
      field(t.publicUrl, publicUrl, "public_url", t.publicUrlHint)),
    group(t.hours, el("p", { className: "hint" }, t.hoursHint), el("div", { className: "weekhours" }, ...WEEKDAYS.map((day) => field(t.weekdays[day], hours[day], `hours.${day}`)))),
    el("div", { className: "grid2" }, group(t.breaks, field("", breaks.node, "breaks")), group(t.holidays, field("", holidays.node, "holidays"))),
    group(t.shortened, field("", shortened.node, "shortened")),
    group(t.sla, el("div", { className: "grid4" }, field(t.slaWalkIn, policy.sla_walk_in_minutes, "policy.sla_walk_in_minutes"),
      field(t.slaBooked, policy.sla_booked_minutes, "policy.sla_booked_minutes"), field(t.recallLimit, policy.recall_limit, "policy.recall_limit"))),
    group(t.priorities, field("", priorities.node, "priority_categories")),
    group(t.booking, el("div", { className: "grid4" }, ...Object.entries(booking).map(([key, node]) =>
      field(t[{ slot_minutes: "slotMinutes", share: "share", days_ahead: "daysAhead", per_person_month: "perPerson",
                checkin_before_minutes: "checkinBefore", checkin_after_minutes: "checkinAfter" }[key]], node, `booking.${key}`)))),
    group(t.retention, field(t.phoneRetention, retention, "booking.phone_retention_days")),
  ], save);
  node.id = "centre-form";
  return [notices, node];
}
