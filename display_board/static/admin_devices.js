// Devices: issue a kiosk's or a display's token (shown once, with a display's board address, its copy button
// and its QR code), rename, see the last contact, revoke at once. docs/admin-api.md "Devices".
import { el } from "./dom.js";
import { fill, wallTime } from "./labels.js";
import { confirmAction } from "./confirm_dialog.js";
import { cardLabels, field, form, input, select } from "./admin_form.js";
import { onceBox } from "./admin_operators.js";


// A board's address with a copy button and its QR code (made by the server, /qr.svg: no internet needed).
function boardAddress(t, url, zones) {
  const link = el("a", { href: url, className: "board-url", target: "_blank", rel: "noopener" }, url);
  const qr = el("img", { className: "qr", alt: "QR", width: 180, height: 180 });
  const status = el("span", { className: "saved", role: "status" });
  const show = (address) => { link.href = address; link.textContent = address; qr.src = `/qr.svg?data=${encodeURIComponent(address)}`; status.textContent = ""; };
  const copy = el("button", { type: "button", className: "copy-url" }, t.copyUrl);
  copy.onclick = async () => {
    try { await navigator.clipboard.writeText(link.href); } catch { // plain http on the LAN: no clipboard API
      const range = document.createRange();
      range.selectNodeContents(link);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    status.textContent = t.urlCopied;
  };
  const parts = [el("p", {}, t.boardUrl), el("p", {}, link), el("div", { className: "row" }, copy, status)];
  if (zones.length > 1 && !url.includes("/display/desk/")) {
    const zone = select([["", t.allZones], ...zones.map((z) => [z, z])], "");
    zone.onchange = () => { const address = new URL(url); if (zone.value) address.searchParams.set("zone", zone.value); show(address.toString()); };
    parts.push(field(t.zoneOnly, zone, "zone"));
  }
  show(url);
  return el("div", { className: "board-address" }, el("div", {}, ...parts), qr);
}

export async function devicesScreen(ctx) {
  const { api, t, lang } = ctx;
  const [{ devices }, { desks }, { timezone }] = await Promise.all([api.get("devices"), api.get("desks"), api.get("centre")]);
  const time = (iso) => (iso ? wallTime(iso, timezone) : null);  // «24.11.2026 10:00», in the hall's zone
  const zones = [...new Set(desks.map((d) => d.zone))].sort();
  const notices = el("div", { id: "device-notices" });
  const name = input({ id: "device-name", maxLength: 200 });
  const role = select([["kiosk", t.deviceRoles.kiosk], ["display", t.deviceRoles.display]], "kiosk");
  role.id = "device-role";
  const desk = select([["", "—"], ...desks.map((d) => [String(d.number), `${t.desk} ${d.number}`])], "");
  desk.id = "device-desk";
  const deskField = field(t.displayDesk, desk, "desk");
  deskField.hidden = true;
  role.onchange = () => { deskField.hidden = role.value !== "display"; };
  const issue = form(t, lang, [el("h2", {}, t.issueDevice),
    el("div", { className: "grid2" }, field(t.deviceName, name, "name"), field(t.deviceRole, role, "role")), deskField,
  ], async () => {
    const answer = await api.call("POST", "devices", { name: name.value.trim(), role: role.value,
      ...(role.value === "display" && desk.value ? { desk: Number(desk.value) } : {}) });
    notices.replaceChildren(onceBox(fill(t.tokenOnceTitle, { name: answer.device.name }), answer.token, t.tokenOnce, t,
      answer.board_url ? [boardAddress(t, answer.board_url, zones)] : []));
    name.value = "";
    devices.unshift(answer.device);
    render();
  }, { label: t.issueDevice });
  issue.id = "issue-device";

  const body = el("tbody", { id: "devices" });
  const headers = [t.deviceName, t.deviceRole, t.created, t.lastContact, t.status];
  const row = (device) => {
    const error = el("span", { className: "error", role: "alert" });
    const revoke = el("button", { type: "button", className: "small danger revoke", disabled: device.revoked }, t.revoke);
    revoke.onclick = async () => {
      if (!await confirmAction({ title: fill(t.confirmRevokeTitle, { name: device.name }), body: [t.confirmRevokeBody],
                                 confirm: t.revoke, cancel: t.cancel })) return;
      try { Object.assign(device, (await api.call("DELETE", `devices/${device.id}`)).device); render(); } catch (failure) { error.textContent = failure.error.message[lang]; }
    };
    const rename = el("button", { type: "button", className: "small secondary rename", disabled: device.revoked }, t.rename);
    const nameCell = el("td", {}, device.name);
    rename.onclick = () => {
      const field = input({ value: device.name, maxLength: 200 });
      field.setAttribute("aria-label", t.deviceName);
      const ok = el("button", { type: "button", className: "small" }, t.save);
      ok.onclick = async () => {
        try { Object.assign(device, (await api.call("PATCH", `devices/${device.id}`, { name: field.value.trim() })).device); render(); } catch (failure) { error.textContent = failure.error.message[lang]; }
      };
      nameCell.replaceChildren(field, ok);
      field.focus();
    };
    return el("tr", { dataset: { device: device.id, role: device.role }, className: device.revoked ? "disabled" : "" },
      nameCell, el("td", {}, t.deviceRoles[device.role] || device.role),
      el("td", {}, time(device.created)), el("td", {}, time(device.last_contact) || t.never),
      el("td", {}, device.revoked ? t.revoked : t.active), el("td", { className: "actions" }, rename, revoke, error));
  };
  // None yet: a sentence under the headers, not a bare header row that looks broken.
  const empty = el("p", { className: "hint", id: "devices-empty" }, t.noDevices);
  const render = () => {
    body.replaceChildren(...devices.map(row));
    cardLabels(body, headers);
    empty.hidden = devices.length > 0;
  };
  render();
  return [el("section", {}, issue), notices, el("section", {}, el("h2", {}, t.devices), el("table", { className: "list" },
    el("thead", {}, el("tr", {}, ...[...headers, ""].map((h) => el("th", {}, h)))), body), empty)];
}
