"""SMS through a GSM modem: PDUs, the AT dialogue with a simulated modem on a pseudo-terminal, the
notifications a booked visitor gets, retries, delivery reports, and phone-number retention."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import tty
from datetime import timedelta

import aiohttp

from queue_server.sms.modem import GsmModem
from queue_server.sms.pdu import UCS2_PART, submit_pdus

from .support import TUESDAY_10, new_command_id, operator, running_server

PHONE = "+380501234567"


def decode_submit(pdu_hex: str) -> tuple[str, str, tuple[int, int, int] | None]:
    """(phone, text, (reference, parts, part) or None) from an SMS-SUBMIT PDU."""
    data = bytes.fromhex(pdu_hex)
    i = 1 + data[0]  # service-centre field
    first = data[i]
    i += 2  # first octet, message reference
    digits = data[i]
    i += 2
    raw = data[i:i + (digits + 1) // 2].hex().upper()
    phone = "+" + "".join(raw[j + 1] + raw[j] for j in range(0, len(raw), 2)).rstrip("F")
    i += (digits + 1) // 2
    assert data[i] == 0 and data[i + 1] == 0x08, "PID 0, UCS-2"
    i += 3  # PID, DCS, validity
    length = data[i]
    body = data[i + 1:i + 1 + length]
    part = None
    if first & 0x40:
        header = body[:body[0] + 1]
        part = (header[3], header[4], header[5])
        body = body[len(header):]
    return phone, body.decode("utf-16-be"), part


def status_report(reference: int, phone: str = PHONE, status: int = 0) -> str:
    digits = phone.lstrip("+")
    padded = digits + ("F" if len(digits) % 2 else "")
    swapped = "".join(padded[j + 1] + padded[j] for j in range(0, len(padded), 2))
    stamp = "62112410000000"
    return f"0006{reference:02X}{len(digits):02X}91{swapped}{stamp}{stamp}{status:02X}"


class FakeModem:
    """A GSM modem at the far end of a pseudo-terminal: answers AT commands like a real one."""

    def __init__(self, fail_first: int = 0) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.device = os.ttyname(self.slave)
        self.fail_first = fail_first
        self.sent: list[tuple[str, str, tuple[int, int, int] | None]] = []
        self.commands: list[str] = []
        self.next_ref = 40
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _write(self, text: str) -> None:
        os.write(self.master, text.encode())

    def _run(self) -> None:
        import select

        buffer = b""
        awaiting_pdu = False
        while not self.stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(self.master, 4096)
            except OSError:
                return
            while True:
                if awaiting_pdu:
                    if b"\x1a" not in buffer:
                        break
                    pdu, buffer = buffer.split(b"\x1a", 1)
                    awaiting_pdu = False
                    if self.fail_first:
                        self.fail_first -= 1
                        self._write("\r\n+CMS ERROR: 500\r\n")
                        continue
                    self.sent.append(decode_submit(pdu.decode().strip()))
                    self.next_ref += 1
                    self._write(f"\r\n+CMGS: {self.next_ref}\r\n\r\nOK\r\n")
                    continue
                if b"\r" not in buffer:
                    break
                line, buffer = buffer.split(b"\r", 1)
                command = line.decode().strip()
                if not command:
                    continue
                self.commands.append(command)
                if command.startswith("AT+CMGS="):
                    awaiting_pdu = True
                    self._write("\r\n> ")
                else:
                    self._write("\r\nOK\r\n")

    def report(self, reference: int) -> None:
        pdu = status_report(reference)
        self._write(f"\r\n+CDS: {len(pdu) // 2 - 1}\r\n{pdu}\r\n")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        os.close(self.master)
        os.close(self.slave)


def test_long_ukrainian_text_is_split_into_concatenated_parts() -> None:
    text = "Ґанок, їжак, єнот — Київ, Львів, Луцьк. " * 4
    pdus = submit_pdus(PHONE, text, reference=9)
    decoded = [decode_submit(p.hex) for p in pdus]
    assert len(pdus) == 3 and all(len(t) <= UCS2_PART for _, t, _ in decoded)
    assert "".join(t for _, t, _ in decoded) == text
    assert [part for _, _, part in decoded] == [(9, 3, 1), (9, 3, 2), (9, 3, 3)]
    assert all(phone == PHONE for phone, _, _ in decoded)
    assert pdus[0].tpdu_length == len(pdus[0].hex) // 2 - 1
    (single,) = submit_pdus(PHONE, "Талон П-015")
    assert decode_submit(single.hex) == (PHONE, "Талон П-015", None)


def test_modem_dialogue_over_a_pseudo_terminal() -> None:
    fake = FakeModem()
    modem = GsmModem(fake.device, timeout=5)
    try:
        modem.open()
        refs = modem.send(PHONE, "ЦНАП: талон П-015, підійдіть до вікна 7 (ґ, є, ї, ’)")
        fake.report(refs[0])
        for _ in range(50):
            reports = modem.reports()
            if reports:
                break
        assert reports[0].reference == refs[0] and reports[0].delivered
    finally:
        modem.close()
        fake.close()
    assert fake.commands[:4] == ["AT", "ATE0", "AT+CMGF=0", "AT+CNMI=2,1,0,1,0"]
    assert fake.sent == [(PHONE, "ЦНАП: талон П-015, підійдіть до вікна 7 (ґ, є, ї, ’)", None)]


async def _book(http, server, start, phone, consent):  # type: ignore[no-untyped-def]
    body = {"command_id": new_command_id(), "service_id": "residence-register", "start": start.isoformat(),
            "phone": phone, "consent": consent}
    # Booked at a kiosk: with a modem, a public booking first confirms its number by SMS
    # (tests/test_attacks_booking.py); kiosk and staff bookings are made at once.
    headers = {"Authorization": f"Bearer {await server.device_token()}"}
    async with http.post(server.url + "/api/bookings", json=body, headers=headers) as response:
        assert response.status == 201
        return (await response.json())["booking"]


async def _wait_for(predicate, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_a_booked_visitor_is_texted_with_consent_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake = FakeModem(fail_first=1)  # the first send fails once: the outbox retries it

    def factory() -> GsmModem:
        modem = GsmModem(fake.device, timeout=5)
        modem.open()
        return modem

    try:
        async with running_server(tmp_path, modem_factory=factory, sms_interval=0.05) as server, \
                aiohttp.ClientSession() as http:
            slot = TUESDAY_10.replace(hour=13, minute=0)
            booking = await _book(http, server, slot, PHONE, consent=True)
            await _book(http, server, slot + timedelta(minutes=15), "+380671234567", consent=False)
            await asyncio.sleep(0.5)
            assert fake.sent == [], "the failed first attempt waits a minute before the retry"
            server.clock.advance(minutes=1, seconds=1)
            await _wait_for(lambda: len(fake.sent) == 1)
            assert fake.sent[0] == (PHONE, f"ЦНАП: запис 24.11 о 13:00, код {booking['code']}", None)
            server.clock.set(slot - timedelta(hours=2))  # the reminder's time
            await _wait_for(lambda: len(fake.sent) == 2)
            assert fake.sent[1][1] == f"ЦНАП: нагадуємо про запис сьогодні о 13:00. Код {booking['code']}"
            server.clock.set(slot - timedelta(minutes=10))
            kiosk = await server.device_token()
            async with http.post(server.url + "/api/checkins", json={"command_id": new_command_id(),
                                 "code": booking["code"]}, headers={"Authorization": f"Bearer {kiosk}"}) as r:
                ticket = (await r.json())["ticket"]
            await _wait_for(lambda: len(fake.sent) == 3)
            assert fake.sent[2][1] == f"ЦНАП: ваша черга наближається, перед вами 0. Талон {ticket}"
            server.clock.set(slot)
            desk = await operator(server, 5)
            await desk.command("call_next")
            await _wait_for(lambda: len(fake.sent) == 4)
            assert fake.sent[3][1] == f"ЦНАП: талон {ticket}, підійдіть до вікна 5"
            await desk.command("document_ready", code=booking["code"])
            await _wait_for(lambda: len(fake.sent) == 5)
            assert fake.sent[4][1].startswith("ЦНАП: ваш документ готовий")
            assert {phone for phone, _, _ in fake.sent} == {PHONE}, "the visitor without consent got nothing"
            rows = await server.store.call(lambda db: list(db.query("SELECT * FROM sms ORDER BY id")))
            assert [r["status"] for r in rows] == ["sent"] * 5 and rows[0]["attempts"] == 2
            refs = json.loads(rows[3]["message_refs"])
            fake.report(refs[0])

            async def status_of_fourth() -> str:
                return str(await server.store.call(
                    lambda db: db.execute("SELECT status FROM sms WHERE id = 4").fetchone()[0]))

            for _ in range(100):
                if await status_of_fourth() == "delivered":
                    break
                await asyncio.sleep(0.05)
            assert await status_of_fourth() == "delivered", "the delivery report was matched"
            # Retention: the number is deleted 30 days after the slot.
            server.clock.set(slot + timedelta(days=30, minutes=1))
            await asyncio.sleep(0.4)
            contacts = await server.store.call(lambda db: db.execute("SELECT count(*) FROM contacts").fetchone()[0])
            phones = await server.store.call(lambda db: [r[0] for r in db.execute("SELECT phone FROM sms")])
            assert contacts == 0 and set(phones) == {""}
            await desk.close()
    finally:
        fake.close()
