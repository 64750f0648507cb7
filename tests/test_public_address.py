"""The centre's public address (`[centre] public_url`): a printed ticket's QR and a booking's link carry it,
whatever address the kiosk reaches the server at, and `cherha check-config` says when a hall would print an
address a visitor's phone cannot open."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
import urllib.request
from datetime import datetime

import aiohttp
import pytest

from queue_server.config import DEMO_HALL, ConfigError, check_hall, load_hall
from queue_server.domain.public_address import reach

from .halls import SMALL_HALL
from .process import free_port
from .server_thread import ServerThread
from .support import new_command_id, running_server
from .test_kiosk import printed, start_kiosk, tap, wait_screen

PUBLIC = "https://cnap.example.ua"


def test_a_printed_tickets_qr_carries_the_public_address(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The kiosk reaches the server at 127.0.0.1; the ticket it prints sends the visitor's phone to the centre's
    public address (read back from the ESC/POS bytes the printer got)."""
    from kiosk_app.flow import Screen

    hall = dataclasses.replace(load_hall(DEMO_HALL), public_url=PUBLIC)
    server = ServerThread(tmp_path, hall=hall)
    try:
        controller, window, _voice = start_kiosk(qtbot, server)
        tap(qtbot, window, "category:social")
        wait_screen(qtbot, controller, Screen.SERVICES)
        tap(qtbot, window, "service:subsidy")
        wait_screen(qtbot, controller, Screen.CONFIRM)
        tap(qtbot, window, "take_ticket")
        wait_screen(qtbot, controller, Screen.DONE)
        qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=10_000)
        ticket = controller.flow.ticket
        (paper,) = printed(controller)
        assert paper.qr_payloads == [f"{PUBLIC}/f/{ticket['feedback_token']}"]
        assert "127.0.0.1" not in " ".join(paper.qr_payloads) and server.url.startswith("http://127.0.0.1")
    finally:
        server.close()


def test_the_kiosks_booking_notice_names_the_public_address(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A service the supervisor closed: the kiosk's home screen says where to book ahead, and that is the
    centre's public booking page (from `/api/hall`), not the LAN address the kiosk reaches the server at."""
    from .test_kiosk_access import notice

    hall = dataclasses.replace(load_hall(DEMO_HALL), public_url=PUBLIC)
    server = ServerThread(tmp_path, hall=hall)
    try:
        with urllib.request.urlopen(server.url + "/api/hall", timeout=10) as response:
            public = json.load(response)
        assert public["centre"]["public_url"] == PUBLIC and public["booking"]["page"] == f"{PUBLIC}/book"
        controller, window, _voice = start_kiosk(qtbot, server, accessible=False)
        server.supervisor("service_close", service_id="birth", reason="registry_offline")
        controller.refresh_hall()
        qtbot.waitUntil(lambda: "Записатися заздалегідь" in notice(window), timeout=10_000)
        assert f"Записатися заздалегідь: {PUBLIC}/book або в адміністратора" in notice(window)
        assert "127.0.0.1" not in notice(window) and server.url.startswith("http://127.0.0.1")
    finally:
        server.close()


async def test_booking_links_are_absolute_from_the_public_address(tmp_path) -> None:  # type: ignore[no-untyped-def]
    hall = dataclasses.replace(load_hall(DEMO_HALL), public_url=PUBLIC)
    async with running_server(tmp_path, hall=hall) as server, aiohttp.ClientSession() as http:
        async with http.get(server.url + "/api/booking/slots",
                            params={"service_id": "id-card", "date": "2026-11-25"}) as response:
            start = (await response.json())["slots"][0]["start"]
        body = {"command_id": new_command_id(), "service_id": "id-card", "start": start, "phone": "+380501234567"}
        async with http.post(server.url + "/api/bookings", json=body) as response:
            booking = (await response.json())["booking"]
        assert booking["link"] == f"{PUBLIC}/b/{booking['code']}"
        async with http.get(server.url + f"/api/bookings/{booking['code']}") as response:
            assert (await response.json())["booking"]["link"] == booking["link"]


@pytest.mark.parametrize(("url", "kind"), [
    ("/f/x", "relative"), ("http://127.0.0.1:8080/f/x", "loopback"), ("http://localhost/f/x", "loopback"),
    ("http://[::1]:8080/f/x", "loopback"), ("http://0.0.0.0/f/x", "loopback"), ("http://192.168.1.10/f/x", "lan"),
    ("http://10.0.0.2:8080/f/x", "lan"), ("http://172.20.1.1/f/x", "lan"), ("http://169.254.3.3/f/x", "lan"),
    ("http://[fd00::2]/f/x", "lan"), ("http://cherha/f/x", "lan"), ("http://cherha.local/f/x", "lan"),
    ("http://server.lan/f/x", "lan"), ("https://cnap.example.ua/f/x", "public"), ("https://8.8.8.8/f/x", "public"),
])
def test_who_can_open_an_address(url: str, kind: str) -> None:
    assert reach(url) == kind


@pytest.mark.parametrize(("line", "warning"), [
    (None, "no public_url"),
    ('public_url = "http://127.0.0.1:8080"', "http://127.0.0.1:8080/f/TOKEN, an address of this machine"),
    ('public_url = "http://192.168.0.5:8080/"', "http://192.168.0.5:8080/f/TOKEN, an address of the local network"),
    ('public_url = "http://cnap.example.ua"', "http://cnap.example.ua/f/TOKEN is plain http"),
    ('public_url = "https://cnap.example.ua/"', None),
])
def test_check_config_warns_when_the_qr_would_not_open_on_a_phone(tmp_path, line, warning) -> None:  # type: ignore[no-untyped-def]
    text = SMALL_HALL.replace('public_url = "https://cnap.example.ua"\n', f"{line}\n" if line else "")
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    hall, warnings = check_hall(path)
    ours = [str(w) for w in warnings if "public_url" in str(w) or "QR" in str(w) or "http" in str(w)]
    if warning is None:
        assert ours == [] and hall.public_url == PUBLIC and hall.link("/b/ABC") == f"{PUBLIC}/b/ABC"
        return
    (said,) = ours
    where = text.index(line) if line else text.index("[centre]")
    assert said.startswith(f"{path}:{text[:where].count(chr(10)) + 1}: ") and warning in said, said
    assert "попередження" in said  # Ukrainian first
    loose = subprocess.run([sys.executable, "-m", "queue_server", "check-config", str(path)], capture_output=True,
                           text=True, timeout=60)
    strict = subprocess.run([sys.executable, "-m", "queue_server", "check-config", "--strict", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert loose.returncode == 0 and strict.returncode == 2 and warning in strict.stderr
    assert f"{path}: ok" in loose.stdout and f"{path}: refused (--strict)" in strict.stdout


@pytest.mark.parametrize("bad", ["cnap.example.ua", "ftp://cnap.example.ua", "https://", "https://a.ua/?x=1",
                                 "https://user:pw@a.ua", "https://a.ua:99999"])
def test_a_malformed_public_url_is_an_error_with_its_line(tmp_path, bad: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hall.toml"
    path.write_text(SMALL_HALL.replace('"https://cnap.example.ua"', json.dumps(bad)), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_hall(path)
    assert error.value.line == SMALL_HALL.count("\n", 0, SMALL_HALL.index("public_url")) + 1
    assert "centre.public_url" in str(error.value)


def test_make_runs_demo_address_is_given_on_the_command_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`make run` passes `--public-url http://127.0.0.1:PORT`: the demo's QR opens on the demo machine itself."""
    port = free_port()
    token = subprocess.run([sys.executable, "-m", "queue_server", "token", "--role", "kiosk", "--name", "k",
                            "--data-dir", str(tmp_path)], capture_output=True, text=True, check=True).stdout.strip()
    bad = subprocess.run([sys.executable, "-m", "queue_server", "server", "--data-dir", str(tmp_path),
                          "--public-url", "127.0.0.1:8080"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--public-url: expected an address like" in bad.stderr
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "queue_server", "server", "--data-dir", str(tmp_path),
                               "--port", str(port), "--clock-start", datetime(2026, 11, 24, 10).isoformat(),
                               "--public-url", f"http://127.0.0.1:{port}"], stdout=log, stderr=log)
    try:
        for _ in range(300):
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/tickets", method="POST", headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                    data=json.dumps({"command_id": "make-run-00001", "service_id": "id-card"}).encode())
                with urllib.request.urlopen(request, timeout=5) as response:
                    ticket = json.load(response)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                time.sleep(0.1)
        assert ticket["feedback_url"] == f"http://127.0.0.1:{port}/f/{ticket['feedback_token']}"
    finally:
        server.terminate()
        server.wait(15)
        log.close()
