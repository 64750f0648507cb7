"""Installing for real (docs/deployment.md): deploy/install.py lays every role out in a clean directory tree
(DESTDIR-style), systemd checks the units it made, the installed server starts from that tree and hands out a
ticket whose QR carries the public address, and nginx, with the shipped site, serves the visitor's side only.

What cannot run without booting a machine (apt-get, adduser, systemctl) is what --destdir leaves out; the
commands docs/deployment.md names are run here on the installed tree, paths mapped into it.

The virtualenv in the tree gets Cherha itself from this checkout (`pip install --no-deps`); its dependencies
come from the test's own environment through PYTHONPATH, because resolving them from the package index takes
minutes. The test checks that the code which runs is the installed copy, not this checkout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .halls import SMALL_HALL
from .process import free_port

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "deploy" / "install.py"
PUBLIC = "https://cnap.example.ua"
LAN_SERVER = "http://10.20.0.2:8080"
# A centre's hall with nothing to warn about: prefixes that do not rhyme, the public address set.
CENTRE_HALL = (SMALL_HALL.replace('prefix = "Т"', 'prefix = "А"').replace('prefix = "В"', 'prefix = "О"')
               .replace('prefix = "М"', 'prefix = "У"') + '\n[backup]\nsecond_dir = "/mnt/cherha-backup"\n')


def deps_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}


def install(destdir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, str(INSTALL), *args, "--destdir", str(destdir)], capture_output=True,
                         text=True, timeout=timeout, env=deps_env(), cwd=destdir.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def mapped(text: str, destdir: Path) -> str:
    """A unit's (or a doc's) absolute paths, moved into the installed tree."""
    for top in ("/opt/cherha", "/etc/cherha", "/var/lib/cherha"):
        text = text.replace(top, f"{destdir}{top}")
    return text


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every role installed into one clean tree (the server with its virtualenv; the screens' files after it)."""
    destdir = tmp_path_factory.mktemp("deploy") / "root"
    destdir.mkdir()
    hall = destdir.parent / "centre.toml"  # the centre's own hall file: passes check-config --strict
    hall.write_text(CENTRE_HALL, encoding="utf-8")
    install(destdir, "server", "--hall", str(hall), "--public-url", PUBLIC, "--python", sys._base_executable,
            "--pip-args=--no-deps", "--backup-second-dir", "/mnt/cherha-backup", "--proxy", "nginx")
    install(destdir, "kiosk", "--server", LAN_SERVER, "--token", "kiosk-token-1", "--skip-venv")
    install(destdir, "board", "--server", LAN_SERVER, "--token", "display-token-1", "--skip-venv")
    install(destdir, "desk", "--server", LAN_SERVER, "--skip-venv", "--autostart")
    assert not (ROOT / "build").exists(), "pip built from a copy: the release stays as it was"
    return destdir


def test_the_dry_run_shows_a_real_machines_steps_and_changes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = subprocess.run([sys.executable, str(INSTALL), "server", "--dry-run", "--public-url", PUBLIC],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    for step in ("apt-get install -y -qq python3 python3-venv espeak-ng sox sqlite3",
                 "adduser --system --group --home /var/lib/cherha", "write   /etc/systemd/system/cherha-server.service",
                 "cherha voice --out /var/lib/cherha/voice", "systemctl enable --now cherha-server.service"):
        assert step in run.stdout, step
    assert not list(tmp_path.iterdir())
    refused = subprocess.run([sys.executable, str(INSTALL), "kiosk", "--dry-run", "--server", LAN_SERVER],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "kiosk needs --token" in refused.stderr


def test_systemd_accepts_every_unit(tree: Path, tmp_path: Path) -> None:
    """`systemd-analyze verify` on the installed units, their paths moved into the tree (verify checks that
    every ExecStart program exists and is executable: the tree's own `cherha`, and Debian's cage)."""
    units = sorted((tree / "etc/systemd/system").glob("*.service"))
    assert [u.name for u in units] == ["cherha-board.service", "cherha-kiosk.service", "cherha-server.service"]
    scratch = tmp_path / "units"
    scratch.mkdir()
    for unit in units:
        (scratch / unit.name).write_text(mapped(unit.read_text(), tree))
    verify = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(map(str, scratch.iterdir()))],
                            capture_output=True, text=True, timeout=120, cwd=scratch)
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stderr

    # The check is real: a unit with a mistake in it fails it.
    broken = scratch / "cherha-server.service"
    broken.write_text(broken.read_text().replace("/venv/bin/cherha server", "/venv/bin/cherha-nope server")
                      .replace("Restart=on-failure", "Restart=on-failure\nRestartSecs=3"))
    failed = subprocess.run(["systemd-analyze", "verify", "--man=no", str(broken)], capture_output=True, text=True,
                            timeout=120, cwd=scratch)
    assert failed.returncode != 0 and "cherha-nope" in failed.stderr and "RestartSecs" in failed.stderr


def test_each_role_gets_what_it_needs(tree: Path) -> None:
    server = (tree / "etc/systemd/system/cherha-server.service").read_text()
    assert "User=cherha\n" in server and "StateDirectory=cherha\n" in server and "ProtectSystem=strict" in server
    assert "ReadWritePaths=/var/lib/cherha /mnt/cherha-backup\n" in server  # backups' second directory
    assert "RestartPreventExitStatus=2 3 4" in server
    assert (tree / "etc/cherha/hall.toml").stat().st_mode & 0o777 == 0o640
    for role, env in (("kiosk", "kiosk.env"), ("board", "board.env")):
        unit = (tree / f"etc/systemd/system/cherha-{role}.service").read_text()
        for line in ("User=cherha-kiosk", "PAMName=login", "TTYPath=/dev/tty1", "Restart=always",
                     "StartLimitIntervalSec=0", "ExecStart=/usr/bin/cage -d -- /opt/cherha/venv/bin/cherha " + role,
                     f"EnvironmentFile=/etc/cherha/{env}"):
            assert line in unit, (role, line)
        assert (tree / "etc/cherha" / env).stat().st_mode & 0o777 == 0o640  # it holds the device token
        assert f"CHERHA_SERVER={LAN_SERVER}\n" in (tree / "etc/cherha" / env).read_text()
    board = (tree / "etc/systemd/system/cherha-board.service").read_text()
    assert "ExecStartPre=-/usr/bin/amixer -q sset Master 100% unmute" in board  # sound on
    wayland = (tree / "etc/chromium.d/cherha-wayland").read_text()  # Chromium inside cage (Debian's wrapper)
    assert subprocess.run(["sh", "-c", f'CHROMIUM_FLAGS=""; {wayland} echo "$CHROMIUM_FLAGS"'], capture_output=True,
                          text=True, timeout=10).stdout.strip() == "--ozone-platform=wayland"
    assert "consoleblank=0" in (tree / "etc/default/grub.d/cherha-noblank.cfg").read_text()  # never blanks
    entry = (tree / "usr/share/applications/cherha-console.desktop").read_text()
    assert f"Exec=/opt/cherha/venv/bin/cherha console --server {LAN_SERVER}\n" in entry
    assert (tree / "etc/xdg/autostart/cherha-console.desktop").read_text() == entry
    # The board's ExecStart runs what `cherha board` would: the launcher's Chromium in kiosk mode.
    command = shlex.split(mapped(board.split("ExecStart=/usr/bin/cage -d -- ")[1].splitlines()[0], tree)
                          .replace("${CHERHA_SERVER}", LAN_SERVER).replace("${CHERHA_TOKEN}", "display-token-1"))
    shown = subprocess.run([*command, "--print-command"], capture_output=True, text=True, timeout=60,
                           env=deps_env())
    assert shown.returncode == 0, shown.stderr
    assert "--kiosk" in shown.stdout and f"{LAN_SERVER}/board?token=display-token-1" in shown.stdout


def test_the_installed_server_starts_from_the_tree_and_prints_the_public_address(tree: Path) -> None:
    """The unit's own ExecStartPre and ExecStart, run from the tree on a loopback port; a kiosk token from the
    installed `cherha token`; a ticket whose QR link is the centre's public address."""
    unit = mapped((tree / "etc/systemd/system/cherha-server.service").read_text(), tree)
    cherha = tree / "opt/cherha/venv/bin/cherha"
    where = subprocess.run([str(tree / "opt/cherha/venv/bin/python"), "-c", "import queue_server; "
                            "print(queue_server.__file__)"], capture_output=True, text=True, env=deps_env(),
                           cwd=tree, timeout=60)
    assert where.stdout.startswith(str(tree / "opt/cherha/venv/lib")), where.stdout + where.stderr

    pre = shlex.split(re.search(r"^ExecStartPre=(.*)$", unit, re.M).group(1))  # type: ignore[union-attr]
    checked = subprocess.run(pre, capture_output=True, text=True, env=deps_env(), timeout=60)
    assert checked.returncode == 0 and "7 services, 4 desks" in checked.stdout, checked.stderr
    strict = subprocess.run([str(cherha), "check-config", "--strict", str(tree / "etc/cherha/hall.toml")],
                            capture_output=True, text=True, env=deps_env(), timeout=60)
    assert strict.returncode == 0 and strict.stderr == "", strict.stderr  # docs: before opening the doors

    data = tree / "var/lib/cherha"
    token = subprocess.run([str(cherha), "token", "--role", "kiosk", "--name", "kiosk-1", "--data-dir", str(data)],
                           capture_output=True, text=True, env=deps_env(), timeout=60, check=True).stdout.strip()
    port = free_port()
    command = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1))  # type: ignore[union-attr]
    command = [*command[:command.index("--host")], "--host", "127.0.0.1", "--port", str(port),
               "--clock-start", "2026-11-24T10:00"]
    log = (tree.parent / "server.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=log, env=deps_env(), cwd=data)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert server.poll() is None, (tree.parent / "server.log").read_text()
            try:
                with urllib.request.urlopen(url + "/api/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(url + "/api/tickets", method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            data=json.dumps({"command_id": "install-test-0001", "service_id": "passport"}).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            ticket = json.load(response)
        assert ticket["ticket"] == "П-001"
        assert ticket["feedback_url"] == f"{PUBLIC}/f/{ticket['feedback_token']}"
    finally:
        server.terminate()
        server.wait(15)
        log.close()
    assert server.returncode == 0
    assert (data / "cherha.sqlite3").exists() and (data / "person.key").stat().st_mode & 0o777 == 0o600


def test_nginx_serves_the_visitors_side_only(tree: Path, tmp_path: Path) -> None:
    """The shipped nginx site, as installed (listen ports moved to loopback), with a self-signed certificate,
    in front of a server: `nginx -t` accepts it, a ticket's QR page and the booking page come through TLS, the
    dashboard and staff APIs do not."""
    from .process import ServerProcess

    cert, key = tmp_path / "cherha.pem", tmp_path / "cherha.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
                    "/CN=cnap.example.ua", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True,
                   timeout=60)
    backend = ServerProcess(tmp_path / "data")
    https_port, http_port = free_port(), free_port()
    site = (tree / "etc/nginx/sites-available/cherha").read_text()
    assert "proxy_pass http://127.0.0.1:8080;" in site and "ssl_certificate     /etc/ssl/certs/cherha.pem;" in site
    site = (site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("/etc/ssl/certs/cherha.pem", str(cert)).replace("/etc/ssl/private/cherha.key", str(key))
            .replace("http://127.0.0.1:8080", backend.url))
    (tmp_path / "cherha-site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(f"{'user root;' if os.geteuid() == 0 else ''}\npid {tmp_path}/nginx.pid;\n"
                    f"error_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{ access_log off; include /etc/nginx/mime.types; "
                    f"client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy; "
                    f"include {tmp_path}/cherha-site.conf; }}\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    tested = subprocess.run([nginx, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True,
                            timeout=60)
    assert tested.returncode == 0, tested.stderr
    token = backend.token()
    backend.start()
    proxy = subprocess.Popen([nginx, "-c", str(main), "-p", str(tmp_path), "-g", "daemon off;"])
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False

    def get(path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(f"https://127.0.0.1:{https_port}{path}", data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                get("/book")
                break
            except OSError:
                time.sleep(0.1)
        direct = urllib.request.Request(backend.url + "/api/tickets", method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            data=json.dumps({"command_id": "nginx-test-00001", "service_id": "id-card"}).encode())
        with urllib.request.urlopen(direct, timeout=10) as response:  # the kiosk, on the LAN
            ticket = json.load(response)
        status, page = get(f"/f/{ticket['feedback_token']}")
        assert status == 200 and b"visit.js" in page
        assert get(f"/api/feedback/{ticket['feedback_token']}")[0] == 200
        assert get("/book")[0] == 200 and get("/api/hall")[0] == 200 and get("/static/visit.js")[0] == 200
        for staff in ("/dashboard", "/board", "/api/reports?from=2026-11-24&to=2026-11-24", "/api/openapi.json"):
            assert get(staff)[0] == 404, staff
        assert get("/api/tickets", data=b"{}", headers={"Content-Type": "application/json"})[0] == 404
    finally:
        proxy.terminate()
        proxy.wait(15)
        backend.stop()
