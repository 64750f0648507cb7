"""Getting bytes to a printer: USB, serial, network (port 9100), a device file, or a dummy.

python-escpos does the talking; every call blocks, so the kiosk runs `print_async` in a thread. Before a
job the printer's real-time status (DLE EOT) is asked where the transport can read: paper out, cover open
and offline become a `PrintError` the kiosk shows, so it can retry the same ticket instead of issuing a
second one. A printer that does not answer the status query is printed to anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field
from typing import Any

from escpos import printer as escpos_printer
from escpos.exceptions import DeviceNotFoundError, USBNotFoundError

from .profiles import PrinterProfile

DLE_EOT = b"\x10\x04"
TRANSPORTS = ("usb", "serial", "network", "file", "dummy")


class PrintError(Exception):
    """A print that did not happen. `code` keys the kiosk's message catalogue."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class PrinterStatus:
    known: bool  # False: the printer gave no status (file, dummy, or it does not answer)
    online: bool = True
    paper_out: bool = False
    paper_near_end: bool = False
    cover_open: bool = False

    @property
    def problem(self) -> str | None:
        if not self.known:
            return None
        if self.cover_open:
            return "printer_cover_open"
        if self.paper_out:
            return "printer_paper_out"
        if not self.online:
            return "printer_offline"
        return None


def parse_status(printer_byte: int, offline_byte: int, paper_byte: int) -> PrinterStatus:
    """Epson's DLE EOT 1 (printer), 2 (offline cause) and 4 (roll paper sensor) answers."""
    return PrinterStatus(
        known=True,
        online=not printer_byte & 0x08,
        cover_open=bool(offline_byte & 0x04),
        paper_out=bool(paper_byte & 0x60) or bool(offline_byte & 0x20),
        paper_near_end=bool(paper_byte & 0x0C),
    )


@dataclass(frozen=True)
class PrinterConfig:
    transport: str
    profile: PrinterProfile
    device: str = ""  # serial device or device file, e.g. /dev/ttyUSB0, /dev/usb/lp0
    baudrate: int = 115_200
    host: str = ""
    port: int = 9100
    usb_vendor: int | None = None
    usb_product: int | None = None
    timeout: float = 5.0
    status_timeout: float = 0.5
    query_status: bool = True

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise ValueError(f"printer transport must be one of {', '.join(TRANSPORTS)}")


@dataclass
class TicketPrinter:
    config: PrinterConfig
    jobs: list[bytes] = field(default_factory=list)  # what the dummy transport "printed"

    def _open(self) -> Any:
        c = self.config
        try:
            if c.transport == "serial":
                device: Any = escpos_printer.Serial(devfile=c.device, baudrate=c.baudrate, timeout=c.timeout,
                                                    dsrdtr=False)
            elif c.transport == "network":
                device = escpos_printer.Network(host=c.host, port=c.port, timeout=c.timeout)
            elif c.transport == "usb":
                device = escpos_printer.Usb(idVendor=c.usb_vendor, idProduct=c.usb_product,
                                            timeout=int(c.timeout * 1000))
            elif c.transport == "file":
                device = escpos_printer.File(devfile=c.device)
            else:
                return escpos_printer.Dummy()
            device.open()
        except (DeviceNotFoundError, USBNotFoundError, OSError) as exc:
            raise PrintError("printer_offline", str(exc)) from None
        except Exception as exc:  # pyusb and pyserial raise their own kinds when a device is absent
            raise PrintError("printer_offline", f"{type(exc).__name__}: {exc}") from None
        return device

    def status(self) -> PrinterStatus:
        device = self._open()
        try:
            return self._status(device)
        finally:
            self._close(device)

    def _status(self, device: Any) -> PrinterStatus:
        c = self.config
        if not c.query_status or c.transport not in ("serial", "network", "usb"):
            return PrinterStatus(known=False)
        answers = []
        try:
            self._set_read_timeout(device, c.status_timeout)
            for n in (1, 2, 4):
                device._raw(DLE_EOT + bytes([n]))
                reply = device._read()
                if not reply:
                    return PrinterStatus(known=False)
                answers.append(reply[-1])
        except (OSError, TimeoutError):
            return PrinterStatus(known=False)
        finally:
            self._set_read_timeout(device, c.timeout)
        return parse_status(*answers)

    @staticmethod
    def _set_read_timeout(device: Any, seconds: float) -> None:
        raw = getattr(device, "device", None)
        if isinstance(raw, socket.socket):
            raw.settimeout(seconds)
        elif raw is not None and hasattr(raw, "timeout"):
            with contextlib.suppress(Exception):
                raw.timeout = seconds

    def print_bytes(self, data: bytes) -> PrinterStatus:
        """Send one job; raise PrintError if the printer reports a problem or the transport fails."""
        device = self._open()
        try:
            status = self._status(device)
            if status.problem is not None:
                raise PrintError(status.problem)
            if self.config.transport == "dummy":
                self.jobs.append(data)
                return status
            device._raw(data)
            flush = getattr(device, "flush", None)
            if callable(flush):
                flush()
            return status
        except PrintError:
            raise
        except Exception as exc:
            raise PrintError("printer_failed", f"{type(exc).__name__}: {exc}") from None
        finally:
            self._close(device)

    async def print_async(self, data: bytes) -> PrinterStatus:
        return await asyncio.to_thread(self.print_bytes, data)

    @staticmethod
    def _close(device: Any) -> None:
        with contextlib.suppress(Exception):
            device.close()


def parse_printer_spec(spec: str, profile: PrinterProfile) -> PrinterConfig:
    """A printer named on the command line or in a kiosk's config:

    `dummy`, `file:/dev/usb/lp0`, `serial:/dev/ttyUSB0` or `serial:/dev/ttyUSB0@115200`,
    `network:192.168.1.50` or `network:192.168.1.50:9100`, `usb:04b8:0e15` (vendor:product, hex).
    """
    kind, _, rest = spec.partition(":")
    try:
        if kind == "dummy":
            return PrinterConfig("dummy", profile)
        if kind == "file" and rest:
            return PrinterConfig("file", profile, device=rest)
        if kind == "serial" and rest:
            device, _, baud = rest.partition("@")
            return PrinterConfig("serial", profile, device=device, baudrate=int(baud) if baud else 115_200)
        if kind == "network" and rest:
            host, _, port = rest.partition(":")
            return PrinterConfig("network", profile, host=host, port=int(port) if port else 9100)
        if kind == "usb" and rest:
            vendor, _, product = rest.partition(":")
            return PrinterConfig("usb", profile, usb_vendor=int(vendor, 16), usb_product=int(product, 16))
    except ValueError:
        pass
    raise ValueError(
        f"cannot read printer {spec!r}: use dummy, file:PATH, serial:DEVICE[@BAUD], network:HOST[:PORT] "
        "or usb:VENDOR:PRODUCT"
    )
