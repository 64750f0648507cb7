"""The AT dialogue with a GSM modem (pyserial): send a PDU, read delivery reports. Blocking: run it in a thread."""

from __future__ import annotations

import re
import time
from typing import Any

import serial

from .pdu import StatusReport, parse_status_report, submit_pdus

CTRL_Z = b"\x1a"


class ModemError(Exception):
    pass


class GsmModem:
    def __init__(self, port: str, baudrate: int = 115_200, timeout: float = 10.0) -> None:
        self.port, self.baudrate, self.timeout = port, baudrate, timeout
        self._serial: Any = None
        self._reports: list[StatusReport] = []

    def open(self) -> None:
        self._serial = serial.Serial(self.port, self.baudrate, timeout=0.2)
        for command in ("AT", "ATE0", "AT+CMGF=0", "AT+CNMI=2,1,0,1,0"):  # PDU mode; delivery reports as +CDS
            self._command(command)

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def send(self, phone: str, text: str, reference: int = 0) -> list[int]:
        """Send every part; return the network's message references (for matching delivery reports)."""
        if self._serial is None:
            self.open()
        references = []
        for pdu in submit_pdus(phone, text, reference):
            self._write(f"AT+CMGS={pdu.tpdu_length}\r".encode())
            self._read_until(b">")
            self._write(pdu.hex.encode() + CTRL_Z)
            reply = self._read_until(b"OK\r\n", also_fail=True)
            found = re.search(rb"\+CMGS:\s*(\d+)", reply)
            if not found:
                raise ModemError(f"no message reference in {reply!r}")
            references.append(int(found.group(1)))
        return references

    def reports(self) -> list[StatusReport]:
        """Delivery reports that arrived since the last call (read without blocking long)."""
        if self._serial is None:
            return []
        self._collect(self._serial.read(self._serial.in_waiting or 1))
        reports, self._reports = self._reports, []
        return reports

    # -- the wire ---------------------------------------------------------------------------------
    def _command(self, command: str) -> bytes:
        self._write(command.encode() + b"\r")
        return self._read_until(b"OK\r\n", also_fail=True)

    def _write(self, data: bytes) -> None:
        assert self._serial is not None
        self._serial.write(data)
        self._serial.flush()

    def _read_until(self, marker: bytes, also_fail: bool = False) -> bytes:
        assert self._serial is not None
        buffer = b""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            chunk: bytes = self._serial.read(self._serial.in_waiting or 1)
            buffer += chunk
            if also_fail and (b"ERROR" in buffer):
                found = re.search(rb"\+CMS ERROR:\s*(\d+)", buffer)
                raise ModemError(f"modem refused: CMS {found.group(1).decode()}" if found else "modem: ERROR")
            if marker in buffer:
                self._collect(buffer)
                return buffer
        raise ModemError(f"modem did not answer ({marker!r} expected, got {buffer[-80:]!r})")

    def _collect(self, data: bytes) -> None:
        for match in re.finditer(rb"\+CDS:\s*\d+\r\n([0-9A-Fa-f]+)", data):
            self._reports.append(parse_status_report(match.group(1).decode()))
