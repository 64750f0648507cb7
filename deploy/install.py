#!/usr/bin/python3
"""Install Cherha on a Debian 12 machine, one role per machine (docs/deployment.md walks through a hall).

    sudo deploy/install.py server --hall FILE --public-url https://cnap.example.ua [--port 8080]
                                  [--backup-second-dir /mnt/backup] [--proxy nginx --cert FILE --cert-key FILE]
    sudo deploy/install.py kiosk  --server http://10.0.0.2:8080 --token TOKEN [--printer SPEC] [--profile NAME]
    sudo deploy/install.py board  --server http://10.0.0.2:8080 --token TOKEN [--desk N | --zone ZONE]
    sudo deploy/install.py desk   --server http://10.0.0.2:8080

Every role: the Debian packages it needs (apt-get), Cherha in a virtualenv at /opt/cherha/venv (pip, from this
checkout), its own user, its files from deploy/templates/ (the one place the units, sessions and configs are
written), and `systemctl enable --now`. Run it again after `git pull` to upgrade (the server migrates its store
at start, keeping the old one: docs/deployment.md, "Upgrading").

--dry-run prints every step and changes nothing. --destdir DIR writes the files (and the virtualenv) under DIR
instead of /, and leaves out what only a real machine can do (apt-get, users, ownership, systemctl): for
packaging, for looking before installing, and for the tests (tests/test_deploy.py). Written for the system
python3 with the standard library alone, since it runs before Cherha is installed.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
PREFIX = Path("/opt/cherha")
BIN = PREFIX / "venv" / "bin"
ETC = Path("/etc/cherha")
DATA = Path("/var/lib/cherha")
UNITS = Path("/etc/systemd/system")
SERVER_USER = "cherha"
KIOSK_USER = "cherha-kiosk"  # the kiosk's and the board's autologin user: no password, no shell use

# The Debian packages of each role (what `make run` needs on a developer's machine is in the Makefile).
QT_RUNTIME = ["libegl1", "libgl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3", "libwayland-client0",
              "libwayland-cursor0", "libwayland-egl1"]
APT = {
    "server": ["python3", "python3-venv", "espeak-ng", "sox", "sqlite3", "fonts-dejavu-core"],
    "kiosk": ["python3", "python3-venv", "cage", "alsa-utils", "espeak-ng", "libusb-1.0-0", "fonts-dejavu-core",
              *QT_RUNTIME],
    "board": ["python3", "python3-venv", "cage", "chromium", "chromium-l10n", "alsa-utils", "fonts-dejavu-core"],
    "desk": ["python3", "python3-venv", "fonts-dejavu-core", *QT_RUNTIME],
}
SKIP_WHEN_STAGING = shutil.ignore_patterns(".git", ".venv", "data", "build", ".cache", "*.egg-info", "__pycache__",
                                           ".pytest_cache", ".mypy_cache", ".ruff_cache", "tests", "bench")
EXTRAS = {"server": "", "kiosk": "[print,apps]", "board": "", "desk": "[apps]"}


@dataclass
class Plan:
    """What the install does, in order: written files and commands. Shown by --dry-run, or carried out."""

    destdir: Path | None
    steps: list[tuple[str, object]] = field(default_factory=list)

    def run(self, *command: str) -> None:
        self.steps.append(("run", list(command)))

    def write(self, path: Path, text: str, mode: int = 0o644, owner: str | None = None,
              replace: bool = True) -> None:
        self.steps.append(("write", (path, text, mode, owner, replace)))

    def mkdir(self, path: Path, mode: int = 0o755, owner: str | None = None) -> None:
        self.steps.append(("mkdir", (path, mode, owner)))

    def under(self, path: Path) -> Path:
        return self.destdir / path.relative_to("/") if self.destdir else path

    def show(self) -> None:
        for kind, step in self.steps:
            if kind == "run":
                print("run    ", shlex.join(step))  # type: ignore[arg-type]
            elif kind == "stage":
                print(f"copy    {CHECKOUT} -> {step} (the release, to build from)")
            elif kind == "write":
                path, _text, mode, owner, replace = step  # type: ignore[misc]
                print(f"write   {self.under(path)} ({mode:o}{', ' + owner if owner else ''}"
                      f"{'' if replace else ', kept if present'})")
            else:
                path, mode, owner = step  # type: ignore[misc]
                print(f"mkdir   {self.under(path)} ({mode:o}{', ' + owner if owner else ''})")

    def carry_out(self) -> None:
        for kind, step in self.steps:
            if kind == "run":
                print("+", shlex.join(step), flush=True)  # type: ignore[arg-type]
                subprocess.run(step, check=True)  # type: ignore[call-overload]
            elif kind == "stage":
                shutil.rmtree(step, ignore_errors=True)  # type: ignore[arg-type]
                shutil.copytree(CHECKOUT, step, ignore=SKIP_WHEN_STAGING)  # type: ignore[arg-type]
            elif kind == "write":
                path, text, mode, owner, replace = step  # type: ignore[misc]
                target = self.under(path)
                if target.exists() and not replace:
                    print(f"  kept {target} (already there)")
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f".{target.name}.new")
                partial.write_text(text, encoding="utf-8")
                os.chmod(partial, mode)
                if owner and not self.destdir:
                    shutil.chown(partial, "root", owner)
                os.replace(partial, target)
                print(f"  wrote {target}")
            else:
                path, mode, owner = step  # type: ignore[misc]
                target = self.under(path)
                target.mkdir(parents=True, exist_ok=True)
                os.chmod(target, mode)
                if owner and not self.destdir:
                    shutil.chown(target, owner, owner)


def render(name: str, **values: str) -> str:
    """A template of deploy/templates with its @NAME@ placeholders filled; every one must be given."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    values = {"PREFIX": str(PREFIX), "BIN": str(BIN), "ETC": str(ETC), "DATA": str(DATA), **values}
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = sorted(set(re.findall(r"@([A-Z][A-Z_]*)@", text)))
    if left:
        raise SystemExit(f"{name}: unfilled placeholders {left}")
    return text


def plan_for(args: argparse.Namespace) -> Plan:
    plan = Plan(args.destdir)
    real = args.destdir is None
    if real and not args.no_apt:
        plan.run("apt-get", "update", "-qq")
        plan.run("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", *APT[args.role],
                 *(["nginx"] if args.role == "server" and args.proxy == "nginx" else []))
    venv = plan.under(PREFIX / "venv")
    if not args.skip_venv:
        # pip builds a local project in its own folder (build/, *.egg-info): it builds from a clean copy, so the
        # release stays as it was (it may be read-only, or another user's).
        stage = plan.under(PREFIX / "src")
        plan.steps.append(("stage", stage))
        plan.run(args.python, "-m", "venv", str(venv))
        plan.run(str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *shlex.split(args.pip_args),
                 f"{stage}{EXTRAS[args.role]}")
    plan.write(PREFIX / "doc" / "deployment.md", (CHECKOUT / "docs" / "deployment.md").read_text(encoding="utf-8"))
    {"server": _server, "kiosk": _kiosk, "board": _board, "desk": _desk}[args.role](plan, args)
    return plan


def _server(plan: Plan, args: argparse.Namespace) -> None:
    real = plan.destdir is None
    if real:
        plan.run("sh", "-c", f"getent passwd {SERVER_USER} >/dev/null || adduser --system --group --home {DATA} "
                 f"--no-create-home --gecos 'Cherha queue server' {SERVER_USER}")
    plan.mkdir(ETC, 0o750, SERVER_USER)
    plan.mkdir(DATA, 0o750, SERVER_USER)
    hall = (args.hall or CHECKOUT / "config" / "demo_hall.toml").read_text(encoding="utf-8")
    if args.public_url and "public_url" not in hall:
        hall = hall.replace("[centre]\n", f"[centre]\npublic_url = \"{args.public_url}\"\n", 1)
    # A hall file already there is the centre's own: an upgrade never overwrites it (--hall does).
    plan.write(ETC / "hall.toml", hall, 0o640, SERVER_USER, replace=args.hall is not None)
    second = f" {args.backup_second_dir}" if args.backup_second_dir else ""
    plan.write(UNITS / "cherha-server.service",
               render("cherha-server.service", HOST=args.host, PORT=str(args.port), EXTRA_RW=second))
    if args.proxy == "nginx":
        site = Path("/etc/nginx/sites-available/cherha")
        plan.write(site, render("nginx-cherha.conf", SERVER_NAME=args.server_name or _host_of(args.public_url),
                                HTTP_LISTEN="80", HTTPS_LISTEN="443", CERT=args.cert, CERT_KEY=args.cert_key,
                                UPSTREAM=f"http://127.0.0.1:{args.port}"))
        if real:
            plan.run("ln", "-sf", str(site), "/etc/nginx/sites-enabled/cherha")
            plan.run("nginx", "-t")
            plan.run("systemctl", "reload-or-restart", "nginx")
    if real:
        plan.run("runuser", "-u", SERVER_USER, "--", str(BIN / "cherha"), "voice", "--out", str(DATA / "voice"))
        plan.run(str(BIN / "cherha"), "check-config", str(ETC / "hall.toml"))
        plan.run("systemctl", "daemon-reload")
        plan.run("systemctl", "enable", "--now", "cherha-server.service")
        plan.run("systemctl", "restart", "cherha-server.service")  # an upgrade: the new code, now


def _screen_role(plan: Plan, args: argparse.Namespace, unit: str, env: str) -> None:
    real = plan.destdir is None
    if real:
        plan.run("sh", "-c", f"getent passwd {KIOSK_USER} >/dev/null || adduser --disabled-password --gecos "
                 f"'Cherha screen' {KIOSK_USER}")
        plan.run("usermod", "-aG", "audio,video,render,input,lp,dialout", KIOSK_USER)
    plan.write(ETC / env, render(env, SERVER=args.server, TOKEN=args.token, PRINTER=args.printer,
                                 PROFILE=args.profile), 0o640, KIOSK_USER)
    board_args = (f"--desk {args.desk}" if args.desk else "") + (f" --zone {args.zone}" if args.zone else "")
    plan.write(UNITS / unit, render(unit, BOARD_ARGS=board_args.strip()))
    # Never blank: no console blanking or power-saving of the screen, set for the kernel too.
    plan.write(Path("/etc/default/grub.d/cherha-noblank.cfg"),
               'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT consoleblank=0"\n')
    if real:
        plan.run("update-grub")
        plan.run("systemctl", "daemon-reload")
        plan.run("systemctl", "disable", "getty@tty1.service")
        plan.run("systemctl", "set-default", "graphical.target")
        plan.run("systemctl", "enable", "--now", unit)
        plan.run("systemctl", "restart", unit)


def _kiosk(plan: Plan, args: argparse.Namespace) -> None:
    _screen_role(plan, args, "cherha-kiosk.service", "kiosk.env")


def _board(plan: Plan, args: argparse.Namespace) -> None:
    # Debian's chromium starts on X11 unless told, and cage is Wayland: its wrapper sources /etc/chromium.d/*.
    plan.write(Path("/etc/chromium.d/cherha-wayland"), 'export CHROMIUM_FLAGS="$CHROMIUM_FLAGS '
               '--ozone-platform=wayland"\n')
    _screen_role(plan, args, "cherha-board.service", "board.env")


def _desk(plan: Plan, args: argparse.Namespace) -> None:
    entry = render("cherha-console.desktop", SERVER=args.server)
    plan.write(Path("/usr/share/applications/cherha-console.desktop"), entry)
    if args.autostart:
        plan.write(Path("/etc/xdg/autostart/cherha-console.desktop"), entry)


def _host_of(url: str | None) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url or "").hostname
    if not host:
        raise SystemExit("--proxy nginx needs --public-url (or --server-name): the name on the certificate")
    return host


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deploy/install.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=list(APT))
    parser.add_argument("--destdir", type=Path, help="write everything under this directory instead of /")
    parser.add_argument("--dry-run", action="store_true", help="print the steps, change nothing")
    parser.add_argument("--no-apt", action="store_true", help="the Debian packages are installed already")
    parser.add_argument("--python", default="/usr/bin/python3", help="the Python the virtualenv is made from")
    parser.add_argument("--skip-venv", action="store_true", help="leave /opt/cherha/venv as it is (files only)")
    parser.add_argument("--pip-args", default="", help="more pip options, e.g. an offline wheel folder: "
                        "\"--no-index --find-links /media/usb/wheels\"")
    server = parser.add_argument_group("server")
    server.add_argument("--hall", type=Path, help="the centre's hall file, installed as /etc/cherha/hall.toml "
                        "(default: the demo hall, only if none is there yet)")
    server.add_argument("--public-url", help="the address visitors' phones open, e.g. https://cnap.example.ua "
                        "(written into the hall file if it has none)")
    server.add_argument("--host", default="0.0.0.0", help="the address the server listens on (the LAN)")
    server.add_argument("--port", type=int, default=8080)
    server.add_argument("--backup-second-dir", help="the backups' second directory ([backup] second_dir), which "
                        "the hardened unit must be allowed to write")
    server.add_argument("--proxy", choices=["nginx", "none"], default="none", help="also set up nginx with TLS")
    server.add_argument("--server-name", help="nginx server_name (default: the host of --public-url)")
    server.add_argument("--cert", default="/etc/ssl/certs/cherha.pem", help="TLS certificate chain (nginx)")
    server.add_argument("--cert-key", default="/etc/ssl/private/cherha.key", help="its private key (nginx)")
    screens = parser.add_argument_group("kiosk, board, desk")
    screens.add_argument("--server", help="the queue server's LAN address, e.g. http://10.0.0.2:8080")
    screens.add_argument("--token", help="a device token: `cherha token --role kiosk|display` on the server")
    screens.add_argument("--printer", default="usb:0x04b8:0x0202", help="kiosk printer (docs/printing.md)")
    screens.add_argument("--profile", default="epson-80", help="kiosk printer profile (docs/printing.md)")
    screens.add_argument("--desk", type=int, help="board: the display over this desk instead of the hall board")
    screens.add_argument("--zone", help="board: show only this zone")
    screens.add_argument("--autostart", action="store_true", help="desk: start the console at login")
    args = parser.parse_args(argv)
    if args.role != "server" and not args.server:
        parser.error(f"{args.role} needs --server (the queue server's LAN address)")
    if args.role in ("kiosk", "board") and not args.token:
        parser.error(f"{args.role} needs --token (cherha token --role {'kiosk' if args.role == 'kiosk' else 'display'}"
                     " --name NAME, on the server)")
    if args.destdir is None and not args.dry_run and os.geteuid() != 0:
        parser.error("run it as root (sudo), or with --destdir DIR or --dry-run")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.destdir is not None:
        args.destdir = args.destdir.resolve()
    plan = plan_for(args)
    if args.dry_run:
        plan.show()
        return 0
    plan.carry_out()
    print(f"Cherha {args.role}: installed" + (f" under {args.destdir}" if args.destdir else "")
          + ". Next: docs/deployment.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
