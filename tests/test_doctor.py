"""`cherha doctor` run as a technician runs it: a real server on a loopback port, printers through the real
Network and Serial paths to fake printers at the machine's edge, and the machine's own tools (timedatectl,
aplay) replaced on PATH by small scripts, since the sound card and NTP are the edge of the machine too.
Every check is made to fail once, and its words are read."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import expect

from queue_server.api.auth import Role
from queue_server.host_checks import Finding, server_probe

from .browser import chromium
from .shots import shots_dir
from .support import TUESDAY_10, WsClient, running_server
from .test_dashboard import sign_in
from .test_printers import FakeSerialPrinter

SHOTS = shots_dir()

ROOT = Path(__file__).resolve().parent.parent


def fake_tools(folder: Path, ntp: str = "yes", sound: bool = True, voice: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timedatectl").write_text(f"#!/bin/sh\necho {ntp}\n")
    if sound:
        (folder / "aplay").write_text("#!/bin/sh\necho 'card 0: PCH [HDA Intel PCH], device 0: ALC3246 Analog'\n")
    for script in folder.iterdir():
        script.chmod(0o755)
    if voice:
        for tool in ("sox", "espeak-ng"):
            real = shutil.which(tool)
            assert real, f"{tool} is installed by `make test` (APT_PACKAGES)"
            (folder / tool).symlink_to(real)
    return folder


async def doctor(*args: str, path: Path, tz: str = "Europe/Kyiv") -> tuple[int, str]:
    env = {"PATH": str(path), "TZ": tz, "HOME": str(path), "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "queue_server", "doctor", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    assert process.returncode in (0, 1), err.decode()  # 2 and above: a wrong argument or a crash
    return process.returncode, out.decode()


class NetworkPrinter:
    """A network printer on 127.0.0.1 answering DLE EOT (online, paper in) on every connection until closed:
    a doctor process may take seconds to start on a busy machine."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = int(self.server.getsockname()[1])
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(10)
                while True:
                    try:
                        chunk = connection.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    for n in (1, 2, 4):
                        if b"\x10\x04" + bytes([n]) in chunk:
                            connection.sendall(b"\x12")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.server.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def line(output: str, check_words: str) -> str:
    found = [text for text in output.splitlines() if check_words in text]
    assert len(found) == 1, output
    return found[0]


async def test_doctor_all_well_then_each_check_fails(tmp_path: Path) -> None:
    async with running_server(tmp_path / "server") as server:
        board = await server.device_token(Role.DISPLAY, "board")
        tools = fake_tools(tmp_path / "bin")
        printer = NetworkPrinter()  # answers DLE EOT: online, paper in
        common = ["--server", server.url, "--token", board, "--data-dir", str(tmp_path),
                  "--public-url", server.url + "/f/{token}"]
        try:
            code, out = await doctor(*common, "--printer", f"network:127.0.0.1:{printer.port}", "--json", path=tools)
        finally:
            printer.close()
        report = json.loads(out)
        levels = {item["check"]: item["level"] for item in report["checks"]}
        assert code == 0 and report["ok"], out
        assert levels == {"printer": "ok", "sound": "ok", "voice_tools": "ok", "clock": "ok", "timezone": "ok",
                          "disk": "ok", "server": "ok", "token": "ok", "public_url": "ok"}, out
        assert report["checks"][0]["uk"] == "принтер: на зв’язку, папір є"

        # The printer: out of paper, through the real Serial path to a pseudo-terminal.
        empty = FakeSerialPrinter(paper_byte=0x72)
        try:
            code, out = await doctor(*common, "--printer", f"serial:{empty.device}", path=tools)
        finally:
            empty.close()
        assert code == 1 and line(out, "принтер").startswith("fail")
        assert "закінчився папір / printer: out of paper" in out and out.strip().endswith("something failed")
        # ... and not there at all (a port nobody listens on).
        nobody = free_port()
        code, out = await doctor(*common, "--printer", f"network:127.0.0.1:{nobody}", path=tools)
        assert code == 1 and "принтер: не відповідає" in line(out, "printer: not responding")

        code, out = await doctor(*common, path=fake_tools(tmp_path / "mute", sound=False))
        assert code == 1 and line(out, "звук").startswith("fail")
        assert "немає звукового пристрою" in out and "no sound device" in out

        code, out = await doctor(*common, path=fake_tools(tmp_path / "dumb", voice=False))
        assert code == 1 and "бракує sox, espeak-ng" in line(out, "voice: sox, espeak-ng missing")

        code, out = await doctor(*common, path=fake_tools(tmp_path / "drift", ntp="no"))
        assert code == 0 and line(out, "годинник").startswith("warn")
        assert "не синхронізовано з NTP (timedatectl)" in out and "not synchronised with NTP" in out

        code, out = await doctor(*common, path=tools, tz="America/New_York")
        assert line(out, "часовий пояс").startswith("warn")
        assert "часовий пояс машини America/New_York, а залу — Europe/Kyiv" in out
        code, out = await doctor(*common, path=tools, tz="Europe/Kiev")  # the old name of the same zone
        assert line(out, "часовий пояс").startswith("ok")

        code, out = await doctor(*common, "--disk-fail-mb", str(10**9), path=tools)
        assert code == 1 and line(out, "диск").startswith("fail") and "disk: only" in out
        code, out = await doctor(*common[:4], "--data-dir", str(tmp_path / "nowhere"), path=tools)
        assert code == 1 and "немає теки даних" in out

        code, out = await doctor("--server", server.url, "--token", "not-a-real-token", path=tools)
        assert code == 1 and line(out, "токен").startswith("fail")
        assert "сервер його не приймає (invalid_token)" in out and "refused by the server" in out

        code, out = await doctor("--server", f"http://127.0.0.1:{nobody}", "--token", board, path=tools)
        assert code == 1 and line(out, "сервер:").startswith("fail") and "server: not answering" in out

        code, out = await doctor(*common[:6], "--public-url", f"http://127.0.0.1:{nobody}/f/{{token}}",
                                 path=tools)
        assert code == 1 and line(out, "публічна адреса").startswith("fail") and "unreachable" in out
        code, out = await doctor(*common[:6], path=tools)
        assert line(out, "публічна адреса").startswith("warn"), "a relative feedback link is worth a warning"


async def test_the_dashboard_shows_what_the_server_sees_of_its_machine(tmp_path: Path) -> None:
    """The server's own checks (the doctor's functions, run every minute off the event loop) become the
    dashboard's alerts, in words on the page, and `cherha_problem` samples in /metrics."""
    tools = fake_tools(tmp_path / "bin", ntp="no")
    # Free space below a limit no disk meets; NTP says "no"; the machine's zone is another than the hall's.
    checks = server_probe(tmp_path, "Europe/Kyiv", lambda: TUESDAY_10, warn_bytes=10**18,
                          fail_bytes=0, tools=str(tools))
    (measured,) = [f for f in checks() if f.check == "disk"]
    assert (measured.key, measured.params["path"]) == ("disk_low", str(tmp_path)) and measured.params["free_mb"] > 0

    def probe() -> list[Finding]:
        """The real checks, the disk's reported as on a centre's server (the screenshots are documentation:
        no test's temporary path in them): its data directory, 1843 MB left."""
        return [dataclasses.replace(f, params={"path": "/var/lib/cherha", "free_mb": 1843}) if f.check == "disk"
                else f for f in checks()]
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    try:
        async with running_server(tmp_path / "server", host_probe=probe) as server, \
                aiohttp.ClientSession() as http, chromium() as browser:
            supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
            for _ in range(50):  # the first look at the machine runs as the server starts
                alerts = (await supervisor.request("get_dashboard"))["alerts"]
                if alerts:
                    break
                await asyncio.sleep(0.2)
            scraper = await server.device_token(Role.METRICS, "prometheus")
            async with http.get(server.url + "/metrics", headers={"Authorization": f"Bearer {scraper}"}) as response:
                metrics = await response.text()
            pages = {}
            for lang in ("uk", "en"):
                page = await browser.new_page(viewport={"width": 1600, "height": 1000})
                await page.goto(f"{server.url}/dashboard?lang={lang}")
                await sign_in(page, "supervisor", "super-demo")
                await expect(page.locator("#alerts [data-kind=timezone_mismatch]")).to_be_visible()
                pages[lang] = {kind: await page.locator(f"#alerts [data-kind={kind}]").inner_text()
                               for kind in ("disk_low", "clock_unsynced", "timezone_mismatch")}
                await page.locator("#alerts").screenshot(path=SHOTS / f"dashboard-host-alerts-{lang}.png")
            await supervisor.close()
    finally:
        if old_tz is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old_tz
    kinds = {alert["kind"]: alert for alert in alerts}
    assert (kinds["disk_low"]["path"], kinds["disk_low"]["free_mb"]) == ("/var/lib/cherha", 1843)
    assert "clock_unsynced" in kinds
    assert kinds["timezone_mismatch"] == {"kind": "timezone_mismatch", "machine": "Asia/Tokyo", "hall": "Europe/Kyiv"}
    assert 'cherha_problem{kind="disk_low",subject="disk"} 1' in metrics
    assert 'cherha_problem{kind="clock_unsynced",subject="clock"} 1' in metrics
    assert pages["uk"]["disk_low"] == "Сервер: на диску вільно лише 1\u00a0843 МБ (/var/lib/cherha)"
    assert pages["uk"]["clock_unsynced"] == "Годинник сервера не синхронізовано з NTP: час талонів може відставати"
    assert pages["uk"]["timezone_mismatch"] == "Часовий пояс сервера Asia/Tokyo, а залу — Europe/Kyiv"
    assert pages["en"]["timezone_mismatch"] == "The server's time zone is Asia/Tokyo, the hall's Europe/Kyiv"
    assert pages["en"]["disk_low"] == "Server: only 1,843 MB free on disk (/var/lib/cherha)"


@pytest.mark.parametrize("kind", ["disk_low", "disk_missing", "clock_unsynced", "clock_unknown",
                                  "timezone_mismatch", "timezone_unknown"])
def test_every_host_alert_has_dashboard_words(kind: str) -> None:
    labels = (ROOT / "display_board" / "static" / "dashboard_labels.js").read_text(encoding="utf-8")
    assert labels.count(f"alert_{kind}:") == 2, "Ukrainian and English"
    assert isinstance(Finding("x", "warn", kind), Finding)
