"""`cherha doctor`: what a technician checks before the hall opens, one line per check, ok / warn / fail.

Printer reachable and with paper (the real transports of printers/, asking DLE EOT), a sound device and the
voice tools, the clock synchronised and the machine's time zone the hall's, disk space for the data, the
server answering and this machine's token accepted, the public address for the QR links reachable. A check
that was not asked for (no --printer on a board PC) is `skip`. Exit code 1 when any check fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from texts import LANGS, Catalogue

from .host_checks import DISK_FAIL_BYTES, DISK_WARN_BYTES, Finding, clock_sync, disk, timezone

TEXTS = Catalogue(Path(__file__).parent / "locales" / "doctor.toml")
TIMEOUT = 10.0
STATUS_SECONDS = 3.0


@dataclass(frozen=True)
class Options:
    server: str | None = None
    token: str | None = None
    printer: str | None = None
    profile: str = "epson-80"
    data_dir: Path | None = None
    hall_zone: str | None = None  # from --config; else the server's /api/hall
    public_url: str | None = None  # else the hall's feedback_url, if it is absolute
    sound: bool = True
    disk_warn_bytes: int = DISK_WARN_BYTES
    disk_fail_bytes: int = DISK_FAIL_BYTES


class Unreachable(Exception):
    """No HTTP answer at all: refused, timed out, cut off, not HTTP."""


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return int(response.status), response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        with contextlib.suppress(OSError, http.client.HTTPException):
            return exc.code, exc.read(10_000)
        return exc.code, b""
    except (OSError, ValueError, http.client.HTTPException) as exc:  # ValueError: not a URL
        raise Unreachable(_reason(exc)) from None


def printer(options: Options) -> Finding:
    if options.printer is None:
        return Finding("printer", "skip", "printer_skip")
    from printers.profiles import load_profile
    from printers.transport import PrintError, TicketPrinter, parse_printer_spec

    try:
        config = parse_printer_spec(options.printer, load_profile(options.profile))
        # A technician can wait longer for the answer than a kiosk between two tickets can.
        status = TicketPrinter(dataclasses.replace(config, status_timeout=STATUS_SECONDS)).status()
    except PrintError as exc:
        return Finding("printer", "fail", "printer_offline", {"detail": _one_line(exc.detail or exc.code)})
    except ValueError as exc:  # a wrong spec or profile
        return Finding("printer", "fail", "printer_offline", {"detail": _one_line(str(exc))})
    if not status.known:
        return Finding("printer", "warn", "printer_no_status")
    if status.problem is not None:
        return Finding("printer", "fail", status.problem, {"detail": options.printer})
    if status.paper_near_end:
        return Finding("printer", "warn", "printer_paper_near_end")
    return Finding("printer", "ok", "printer_ok")


def sound(options: Options) -> list[Finding]:
    if not options.sound:
        return [Finding("sound", "skip", "sound_skip")]
    device = _sound_device()
    found = Finding("sound", "ok", "sound_ok", {"device": device}) if device else \
        Finding("sound", "fail", "sound_missing")
    missing = [tool for tool in ("sox", "espeak-ng") if shutil.which(tool) is None]
    tools = Finding("voice_tools", "fail", "voice_tools_missing", {"tools": ", ".join(missing)}) if missing else \
        Finding("voice_tools", "ok", "voice_tools_ok")
    return [found, tools]


def _sound_device() -> str | None:
    """A playback device, as PulseAudio/PipeWire or ALSA report it."""
    for command, marker in ((["pactl", "info"], "Default Sink:"), (["aplay", "-l"], "card ")):
        if shutil.which(command[0]) is None:
            continue
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        for line in done.stdout.splitlines():
            if done.returncode == 0 and line.startswith(marker):
                return line.strip()
    return None


def server_and_token(options: Options) -> tuple[list[Finding], dict[str, Any] | None]:
    """The server's health, this machine's token, and the hall as the server publishes it."""
    if options.server is None:
        return [Finding("server", "skip", "server_skip"), Finding("token", "skip", "token_skip")], None
    base = options.server.rstrip("/")
    try:
        status, body = _get(base + "/api/health")
        hall = json.loads(_get(base + "/api/hall")[1]) if status == 200 else None
    except (Unreachable, ValueError) as exc:
        return [Finding("server", "fail", "server_unreachable", {"url": base, "detail": _reason(exc)}),
                Finding("token", "skip", "token_skip")], None
    if status != 200:
        found = Finding("server", "fail", "server_unreachable", {"url": base, "detail": f"HTTP {status}"})
        return [found, Finding("token", "skip", "token_skip")], None
    findings = [Finding("server", "ok", "server_ok", {"url": base})]
    if options.token is None:
        findings.append(Finding("token", "skip", "token_skip"))
    else:
        try:
            status, body = _get(base + "/api/state", options.token)
        except Unreachable as exc:
            return [*findings, Finding("token", "fail", "token_unchecked", {"detail": str(exc)})], hall
        try:
            code = json.loads(body)["error"]["code"] if status != 200 else None
        except (ValueError, KeyError, TypeError):
            code = f"HTTP {status}"
        # 403: a valid token whose role does not read the hall (a `metrics` token): still a good token.
        if status == 200 or code == "forbidden_for_role":
            findings.append(Finding("token", "ok", "token_ok"))
        else:
            findings.append(Finding("token", "fail", "token_invalid", {"code": code}))
    return findings, hall


def public_address(options: Options) -> Finding:
    url = options.public_url
    if not url:
        return Finding("public_url", "warn", "public_url_unset")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Finding("public_url", "fail", "public_url_unreachable", {"url": url, "detail": "not an http(s) URL"})
    base = f"{parts.scheme}://{parts.netloc}/"
    try:
        status, _body = _get(base)
    except Unreachable as exc:
        return Finding("public_url", "fail", "public_url_unreachable", {"url": base, "detail": _reason(exc)})
    if status >= 500:
        return Finding("public_url", "fail", "public_url_unreachable", {"url": base, "detail": f"HTTP {status}"})
    return Finding("public_url", "ok", "public_url_ok", {"url": base})


def _reason(exc: BaseException) -> str:
    return _one_line(str(getattr(exc, "reason", None) or exc))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:160]


def run(options: Options) -> list[Finding]:
    findings, hall = server_and_token(options)
    zone = options.hall_zone or (hall or {}).get("centre", {}).get("timezone")
    out = [printer(options), *sound(options), clock_sync()]
    out.append(timezone(zone, datetime.now(UTC).year) if zone else Finding("timezone", "skip", "timezone_skip"))
    out.append(disk(options.data_dir, options.disk_warn_bytes, options.disk_fail_bytes) if options.data_dir
               else Finding("disk", "skip", "disk_skip"))
    return [*out, *findings, public_address(options)]


def words(finding: Finding) -> dict[str, str]:
    return {lang: TEXTS.t_in(lang, finding.key, **finding.params) for lang in LANGS}


def report(findings: list[Finding], as_json: bool) -> tuple[str, int]:
    """The printed report and the exit code (1 when anything failed)."""
    failed = any(f.level == "fail" for f in findings)
    if as_json:
        items = [{"check": f.check, "level": f.level, "key": f.key, "params": f.params, **words(f)}
                 for f in findings]
        return json.dumps({"ok": not failed, "checks": items}, ensure_ascii=False, indent=2), int(failed)
    lines = [f"{f.level:<4}  {words(f)['uk']} / {words(f)['en']}" for f in findings]
    verdict = "є збої / something failed" if failed else "можна відкривати / ready to open"
    return "\n".join([*lines, verdict]), int(failed)
