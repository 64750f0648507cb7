"""What the machine itself says about its fitness to run the hall: disk space, clock synchronisation, time zone.

Used twice: by `cherha doctor` (a technician before opening, doctor.py) and by the running server, which
checks every minute and shows a problem on the supervisor's dashboard (`HostMonitor`). Each check reads what
the machine offers and says "unknown" when it cannot tell, rather than guessing "ok".

The clock: systemd's `timedatectl show` (NTPSynchronized), else chrony's `chronyc -n tracking` (Leap status),
else the kernel's own flag through adjtimex(2) (TIME_ERROR: not synchronised). Each source is asked only if
the one before it is missing or cannot answer (no systemd in a container, chrony not installed).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LEVELS = ("ok", "warn", "fail", "skip")
DISK_WARN_BYTES = 2 * 1024**3  # a year of a big hall's log is about 1.3 GB; backups need room too
DISK_FAIL_BYTES = 300 * 1024**2
TIME_ERROR = 5  # adjtimex(2): the kernel's clock is not synchronised


@dataclass(frozen=True)
class Finding:
    check: str  # disk | clock | timezone | printer | sound | token | public_url
    level: str  # ok | warn | fail | skip
    key: str  # the text in locales/doctor.toml (and the dashboard's alert kind when not ok)
    params: dict[str, Any] = field(default_factory=dict)


def disk(path: Path, warn_bytes: int = DISK_WARN_BYTES, fail_bytes: int = DISK_FAIL_BYTES) -> Finding:
    if not path.is_dir():
        return Finding("disk", "fail", "disk_missing", {"path": str(path)})
    free = shutil.disk_usage(path).free
    params = {"path": str(path), "free_mb": free // 1024**2}
    if free < fail_bytes:
        return Finding("disk", "fail", "disk_low", params)
    if free < warn_bytes:
        return Finding("disk", "warn", "disk_low", params)
    return Finding("disk", "ok", "disk_ok", params)


def _run(command: list[str], path: str | None = None) -> str | None:
    """A tool's output, or None when it is missing or fails (no systemd, no chrony). `path`: where to look
    for it instead of $PATH."""
    found = shutil.which(command[0], path=path)
    if found is None:
        return None
    try:
        done = subprocess.run([found, *command[1:]], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _adjtimex_state() -> int | None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        buffer = ctypes.create_string_buffer(512)  # struct timex, zeroed: modes = 0 only reads
        state = int(libc.adjtimex(buffer))
        return state if state >= 0 else None
    return None


def clock_sync(adjtimex: Callable[[], int | None] = _adjtimex_state, tools: str | None = None) -> Finding:
    shown = _run(["timedatectl", "show", "--property=NTPSynchronized", "--value"], tools)
    if shown is not None and shown.strip() in ("yes", "no"):
        synced = shown.strip() == "yes"
        return Finding("clock", "ok" if synced else "warn", "clock_ok" if synced else "clock_unsynced",
                       {"source": "timedatectl"})
    tracking = _run(["chronyc", "-n", "tracking"], tools)
    if tracking is not None:
        for line in tracking.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "Leap status":
                synced = value.strip() != "Not synchronised"
                return Finding("clock", "ok" if synced else "warn", "clock_ok" if synced else "clock_unsynced",
                               {"source": "chronyc"})
    state = adjtimex()
    if state is not None:
        synced = state != TIME_ERROR
        return Finding("clock", "ok" if synced else "warn", "clock_ok" if synced else "clock_unsynced",
                       {"source": "adjtimex"})
    return Finding("clock", "warn", "clock_unknown")


def machine_timezone() -> str | None:
    """The zone this machine's programs use: $TZ, else /etc/timezone, else the /etc/localtime link."""
    value = os.environ.get("TZ", "").lstrip(":")
    if value:
        return value
    with contextlib.suppress(OSError):
        text = Path("/etc/timezone").read_text(encoding="utf-8").strip()
        if text:
            return text
    with contextlib.suppress(OSError):
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return None


def _same_zone(first: str, second: str, year: int) -> bool:
    """Same name, or an alias (Europe/Kiev and Europe/Kyiv): the same offsets through the whole year."""
    if first == second:
        return True
    try:
        a, b = ZoneInfo(first), ZoneInfo(second)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    moments = [datetime(year, month, 15, 12) for month in range(1, 13)]
    return all(m.replace(tzinfo=a).utcoffset() == m.replace(tzinfo=b).utcoffset() for m in moments)


def timezone(hall_zone: str, year: int, machine: str | None = None) -> Finding:
    zone = machine if machine is not None else machine_timezone()
    if zone is None:
        return Finding("timezone", "warn", "timezone_unknown", {"hall": hall_zone})
    params = {"machine": zone, "hall": hall_zone}
    if _same_zone(zone, hall_zone, year):
        return Finding("timezone", "ok", "timezone_ok", params)
    return Finding("timezone", "warn", "timezone_mismatch", params)


@dataclass
class HostMonitor:
    """The server's own look at its machine, every minute, off the event loop; the dashboard shows what is
    not ok. `probe` is injected so a test can run the real checks against its own data directory, limits
    and clock tools."""

    probe: Callable[[], list[Finding]]
    findings: list[Finding] = field(default_factory=list)

    async def refresh(self) -> None:
        self.findings = await asyncio.to_thread(self.probe)

    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.level in ("warn", "fail")]


def server_probe(data_dir: Path, hall_zone: str, now: Callable[[], datetime], warn_bytes: int = DISK_WARN_BYTES,
                 fail_bytes: int = DISK_FAIL_BYTES, tools: str | None = None) -> Callable[[], list[Finding]]:
    """The server's checks. `tools`: a PATH to find timedatectl and chronyc in (default: the server's)."""
    def probe() -> list[Finding]:
        return [disk(data_dir, warn_bytes, fail_bytes), clock_sync(tools=tools), timezone(hall_zone, now().year)]

    return probe
