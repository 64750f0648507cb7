"""`cherha`: the command line of the whole system.

    cherha server [--config FILE] [--data-dir DIR] [--host H] [--port P] [--clock-start demo|HH:MM|ISO]
    cherha check-config [FILE ...]
    cherha token --role kiosk|display|metrics --name NAME [--data-dir DIR]
    cherha doctor [--server URL --token T] [--printer SPEC] [--data-dir DIR] [--json]   (docs/monitoring.md)
    cherha hash-secret            (reads the PIN or password from standard input)
    cherha accept-store [--data-dir DIR]   (after exit code 3: accept the event log as it is now)
    cherha export-config [--config FILE] [--data-dir DIR] > hall.toml   (the live configuration)
    cherha import-config FILE --server URL [--login admin] [--dry-run] [--confirm-affected]
    cherha backup / restore              (ops_cli.py; docs/deployment.md)
    cherha city --dsn DSN [--host H] [--port P]       (the city server on PostgreSQL: docs/city.md)
    cherha city-branch add|revoke NAME --dsn DSN     (a branch's credential at the city)
    cherha city-staff add NAME --dsn DSN             (a token for the city's staff: GET /api/city/live)
    cherha city-publish FILE --dsn DSN               (publish the city's catalogue to its branches: docs/city.md)
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import logging
import sys
from pathlib import Path
from typing import Any

from . import logs
from .clock import Clock, ManualClock, OffsetClock, SystemClock, parse_clock_start
from .config import DEMO_HALL, ConfigError, backup_settings, check_hall, load_hall
from .domain.public_address import AddressError, normalise

DEFAULT_DATA_DIR = Path("data")
DB_NAME = "cherha.sqlite3"
PROFILE_HELP = "printer profile: a name, name,key=value,... or a TOML file (docs/printing.md)"
EXIT_STORE_INTEGRITY = 3  # the log on disk is missing or shorter than what was acknowledged: not restarted blindly
EXIT_MIGRATION = 4  # the store could not be upgraded to this release's schema (it is left as it was)
log = logging.getLogger("cherha")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cherha", description="Cherha — електронна черга ЦНАП")
    sub = parser.add_subparsers(dest="command", required=True)

    server = sub.add_parser("server", help="run the queue server")
    server.add_argument("--config", type=Path, default=DEMO_HALL, help="hall TOML (default: the demo hall)")
    server.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8080)
    server.add_argument("--clock-start", default=None,
                        help="start the hall clock at 'demo' (next open day 10:00), HH:MM or an ISO time")
    server.add_argument("--log-level", default="info")
    server.add_argument("--manual-clock", metavar="ISO", help="simulation: the clock stands at ISO and moves only "
                        "when an admin sends set_clock (cherha simulate)")
    server.add_argument("--key-file", type=Path, default=None,
                        help="the key of person keys (created 0600 if missing; default: person.key in --data-dir)")
    server.add_argument("--sms-port", help="serial port of a GSM modem for SMS, e.g. /dev/ttyUSB1")
    server.add_argument("--sms-baud", type=int, default=115_200)
    server.add_argument("--voice-dir", type=Path, default=Path("data/voice"),
                        help="spoken-call segments (made by `cherha voice`)")
    server.add_argument("--public-url", help="the address visitors' phones open (QR and booking links); "
                        "overrides [centre] public_url (make run: the demo's own http://127.0.0.1:PORT)")

    voice = sub.add_parser("voice", help="generate the spoken-call segments with espeak-ng and sox")
    voice.add_argument("--out", type=Path, default=Path("data/voice"))
    voice.add_argument("--force", action="store_true", help="remake existing segments too")

    board = sub.add_parser("board", help="open the hall board (or a desk display) full-screen in Chromium")
    board.add_argument("--url", default="http://127.0.0.1:8080", help="the queue server")
    board.add_argument("--token", required=True, help="a display token from `cherha token --role display`")
    board.add_argument("--zone", help="show only this zone of the hall")
    board.add_argument("--desk", type=int, help="the display over this desk instead of the hall board")
    board.add_argument("--browser", default="/usr/bin/chromium")
    board.add_argument("--print-command", action="store_true", help="print the browser command, do not run it")

    check = sub.add_parser("check-config", help="validate hall TOML files")
    check.add_argument("files", nargs="*", type=Path, default=[DEMO_HALL])
    check.add_argument("--strict", action="store_true", help="a warning is an error (exit 2): for a hall "
                       "going into service")

    token = sub.add_parser("token", help="issue a device token for a kiosk, a display or monitoring")
    token.add_argument("--role", choices=["kiosk", "display", "metrics"], required=True)
    token.add_argument("--name", required=True)
    token.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    sub.add_parser("hash-secret", help="hash an operator PIN or password for the hall config")

    accept = sub.add_parser("accept-store", help="after a refused start (exit 3): accept the event log as it is now "
                            "(restore a backup first if there is one); the lost events stay lost")
    accept.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    sim = sub.add_parser("simulate", help="simulate a day of the hall through the real server's protocol")
    sim.add_argument("--config", type=Path, default=DEMO_HALL)
    sim.add_argument("--profile", choices=["lutsk", "vinnytsia"], default="lutsk",
                     help="lutsk: 900 visitors, 18 desks; vinnytsia: 3,500 visitors, 72 desks")
    sim.add_argument("--through", choices=["protocol", "memory"], default="protocol",
                     help="protocol: a real server on a loopback port; memory: the domain alone (faster)")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--out", type=Path, default=Path("data/simulation"))

    kiosk = sub.add_parser("kiosk", help="the touchscreen ticket kiosk (PySide6)")
    kiosk.add_argument("--server", default="http://127.0.0.1:8080")
    kiosk.add_argument("--token", required=True, help="a kiosk token from `cherha token --role kiosk`")
    kiosk.add_argument("--printer", default="dummy", help="dummy | file:PATH | serial:DEV[@BAUD] | "
                       "network:HOST[:PORT] | usb:VENDOR:PRODUCT")
    kiosk.add_argument("--profile", default="epson-80", help=PROFILE_HELP)
    kiosk.add_argument("--accessible", action="store_true", help="this is the accessible terminal")
    kiosk.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    kiosk.add_argument("--audio-device", help="the voice's ALSA output, e.g. plughw:1 for the headphone socket "
                       "(default: the default sound card)")
    kiosk.add_argument("--volume", type=float, default=0.65, help="the voice's starting volume, 0..1")

    console = sub.add_parser("console", help="the administrator's desk console (PySide6)")
    console.add_argument("--server", default="http://127.0.0.1:8080")
    console.add_argument("--lang", choices=["uk", "en"], default="uk")

    led = sub.add_parser("led", help="drive RS-485 / serial LED boards over the desks from the event stream")
    led.add_argument("--url", default="http://127.0.0.1:8080")
    led.add_argument("--token", required=True, help="a display token")
    led.add_argument("--port", required=True, help="serial device, e.g. /dev/ttyUSB0")
    led.add_argument("--baud", type=int, default=9600)
    led.add_argument("--codec", default="cp1251")
    led.add_argument("--address-offset", type=int, default=0)

    print_test = sub.add_parser("print-test", help="print a sample ticket to check a printer and its profile")
    print_test.add_argument("--printer", default="dummy", help="dummy | file:PATH | serial:DEV[@BAUD] | "
                            "network:HOST[:PORT] | usb:VENDOR:PRODUCT")
    print_test.add_argument("--profile", default="epson-80", help=PROFILE_HELP)

    _doctor_arguments(sub)
    _add_city_commands(sub)

    _add_config_transfer(sub)
    from .ops_cli import add_commands

    ops = add_commands(sub, DEFAULT_DATA_DIR, DB_NAME)
    args = parser.parse_args(argv)
    handlers = {**ops, "city": _city, "city-branch": _city_branch, "city-staff": _city_staff,
                "city-publish": _city_publish,
                "export-config": _export_config, "import-config": _import_config,
                "server": _server, "check-config": _check_config, "token": _token, "hash-secret": _hash,
                "print-test": _print_test, "doctor": _doctor, "voice": _voice, "board": _board, "led": _led,
                "console": _console, "kiosk": _kiosk, "simulate": _simulate, "accept-store": _accept_store}
    return handlers[args.command](args)


def _server(args: argparse.Namespace) -> int:
    from aiohttp import web

    from .api.app import create_app
    from .store import EventStore, MigrationError, StoreIntegrityError

    logs.setup(args.log_level)
    try:
        hall = load_hall(args.config)
        backups = backup_settings(args.config)
        if args.public_url:
            hall = dataclasses.replace(hall, public_url=normalise(args.public_url))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except AddressError as exc:
        print(f"--public-url: {exc}", file=sys.stderr)
        return 2
    clock: Clock = SystemClock(hall.timezone)
    if args.clock_start:
        clock = OffsetClock(parse_clock_start(args.clock_start, hall))
    if args.manual_clock:
        clock = ManualClock(parse_clock_start(args.manual_clock, hall))
    from .shipping.config import load_city_settings

    try:
        city = load_city_settings(args.config)  # the hall's `[city]` table: None for a hall that runs alone
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    store = EventStore(args.data_dir / DB_NAME)
    modem_factory = None
    if args.sms_port:
        from .sms.modem import GsmModem

        def modem_factory() -> GsmModem:
            modem = GsmModem(args.sms_port, args.sms_baud)
            modem.open()
            return modem

    from .api.limits import Limits
    from .host_checks import server_probe

    app = create_app(hall, store, clock, voice_dir=args.voice_dir, modem_factory=modem_factory,
                     clock_control=bool(args.manual_clock),
                     limits=Limits.for_simulation() if args.manual_clock else None, key_file=args.key_file,
                     host_probe=server_probe(args.data_dir, hall.timezone, clock.now), city=city,
                     hall_file=args.config)
    if not args.manual_clock:  # a simulation's store is thrown away
        from .backup import attach_schedule

        attach_schedule(app, store.path, backups, args.data_dir, clock.now)
    log.info("starting", extra={"hall": hall.id, "host": args.host, "port": args.port,
                                "data": str(args.data_dir), "clock": clock.now().isoformat()})
    base = f"http://{args.host}:{args.port}"
    print(f"Cherha: {hall.name.uk} / {hall.name.en}\n"
          f"  послуги / services (kiosk API): {base}/api/hall\n"
          f"  OpenAPI:                        {base}/api/openapi.json\n"
          f"  WebSocket protocol:             ws://{args.host}:{args.port}/ws  (docs/protocol.md)\n"
          f"  hall clock starts at {clock.now():%Y-%m-%d %H:%M %Z}; data in {args.data_dir}", flush=True)
    try:
        web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    except StoreIntegrityError as exc:
        log.critical("refusing to start: %s", exc, extra={"reason": exc.reason})
        print(f"Cherha: сховище подій не відповідає підтвердженому / the event store does not match what was "
              f"acknowledged ({exc.reason}): {exc}\nSee docs/architecture.md, \"When the event store is lost\".",
              file=sys.stderr, flush=True)
        return EXIT_STORE_INTEGRITY
    except MigrationError as exc:
        log.critical("refusing to start: %s", exc)
        print(f"Cherha: сховище не оновлено, воно залишилося як було / the store was not upgraded and is left as "
              f"it was: {exc}", file=sys.stderr, flush=True)
        return EXIT_MIGRATION
    return 0


# -- the city (docs/city.md): imported only when one of these commands runs ---------------------------------
CITY_DSN_ENV = "CHERHA_CITY_DSN"


def _add_city_commands(sub: Any) -> None:
    dsn_help = f"PostgreSQL DSN, e.g. postgresql://cherha@localhost/cherha_city (default: ${CITY_DSN_ENV})"
    city = sub.add_parser("city", help="run the city server (PostgreSQL) that branches ship their logs to")
    city.add_argument("--dsn", help=dsn_help)
    city.add_argument("--host", default="127.0.0.1")
    city.add_argument("--port", type=int, default=8090)
    city.add_argument("--clock-start", default=None, help="start the city's clock at an ISO time (tests, demos)")
    city.add_argument("--aggregate-seconds", type=float, default=5.0,
                      help="how often the daily report figures are brought up to date")
    city.add_argument("--log-level", default="info")
    branch = sub.add_parser("city-branch", help="add (or re-key) or revoke a branch's credential at the city")
    branch.add_argument("action", choices=["add", "revoke"])
    branch.add_argument("name", help="the branch's name: lower-case latin letters, digits, - or _")
    branch.add_argument("--dsn", help=dsn_help)
    staff = sub.add_parser("city-staff", help="issue a token for the city's staff (the live view)")
    staff.add_argument("action", choices=["add"])
    staff.add_argument("name")
    staff.add_argument("--dsn", help=dsn_help)
    publish = sub.add_parser("city-publish", help="publish a version of the city's catalogue (services, policies) "
                             "for its branches to apply")
    publish.add_argument("file", type=Path, help="the catalogue: a TOML file with the hall file's city-wide tables "
                         "(categories, bundles, policy, booking, priority_categories), or the same as .json")
    publish.add_argument("--branches", default=None, help="comma-separated branch names (default: every branch)")
    publish.add_argument("--note", default="", help="what changed, for the branches' audit")
    publish.add_argument("--dsn", help=dsn_help)


def _city_dsn(args: argparse.Namespace) -> str | None:
    import os

    dsn: str | None = args.dsn or os.environ.get(CITY_DSN_ENV)
    if not dsn:
        print(f"--dsn or ${CITY_DSN_ENV} is required / потрібен --dsn або ${CITY_DSN_ENV}", file=sys.stderr)
    return dsn


def _city(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from aiohttp import web

    from city_server.app import create_city_app
    from city_server.store import CityStore

    dsn = _city_dsn(args)
    if dsn is None:
        return 2
    logs.setup(args.log_level)
    clock: Clock = SystemClock("UTC")
    if args.clock_start:
        start = datetime.fromisoformat(args.clock_start)
        clock = OffsetClock(start if start.tzinfo else start.replace(tzinfo=UTC))

    async def app() -> web.Application:
        store = await CityStore.open(dsn)
        application = create_city_app(store, clock, args.aggregate_seconds)

        async def close(_: web.Application) -> None:
            await store.close()

        application.on_cleanup.append(close)
        return application

    print(f"Cherha city: http://{args.host}:{args.port}/api/city/health", flush=True)
    web.run_app(app(), host=args.host, port=args.port, print=None, access_log=None)
    return 0


def _city_branch(args: argparse.Namespace) -> int:
    import re

    if not re.match(r"^[a-z0-9][a-z0-9_\-]{0,63}$", args.name):
        print("a branch name is lower-case latin letters, digits, - or _ / назва філії: латиниця, цифри, - або _",
              file=sys.stderr)
        return 2
    return _with_city_store(args, lambda store, now: (
        store.add_branch(args.name, now) if args.action == "add" else _revoked(store, args.name)))


def _city_staff(args: argparse.Namespace) -> int:
    return _with_city_store(args, lambda store, now: store.add_staff(args.name, now))


def _city_publish(args: argparse.Namespace) -> int:
    """Publish through the same check as the staff API (city_server/config_api.py); refusals in uk/en."""
    import json
    import tomllib

    try:
        text = args.file.read_text(encoding="utf-8")
        catalogue = json.loads(text) if args.file.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    data: dict[str, Any] = {"catalogue": catalogue, "note": args.note}
    if args.branches:
        data["branches"] = [b.strip() for b in args.branches.split(",") if b.strip()]

    async def publish(store: Any, now: Any) -> str:
        from city_server.config_api import publish_document
        from city_server.errors import CityError

        try:
            done = await publish_document(store.pool, data, "cli", now)
        except CityError as exc:
            words = exc.body()["error"]["message"]
            raise LookupError(f"{words['uk']}\n{words['en']}") from None
        return (f"published version {done['version']} ({done['services']} services, "
                f"{'every branch' if done['branches'] is None else ', '.join(done['branches'])})")

    return _with_city_store(args, publish)


async def _revoked(store: Any, name: str) -> str:
    if not await store.revoke_branch(name):
        raise LookupError(f"no branch {name!r} / немає філії {name!r}")
    return f"revoked {name}"


def _with_city_store(args: argparse.Namespace, action: Any) -> int:
    """Open the city's database (creating its schema), run `action(store, now)`, print what it returns."""
    import asyncio
    from datetime import UTC, datetime

    from city_server.store import CityStore

    dsn = _city_dsn(args)
    if dsn is None:
        return 2

    async def run() -> str:
        store = await CityStore.open(dsn, max_size=1)
        try:
            return str(await action(store, datetime.now(UTC)))
        finally:
            await store.close()

    try:
        print(asyncio.run(run()))
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _check_config(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        try:
            hall, warnings = check_hall(path)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            status = 2
            continue
        for warning in warnings:  # hazards, not errors: the hall loads (unless --strict)
            print(warning, file=sys.stderr)
        refused = bool(warnings) and args.strict
        if refused:
            status = 2
        verdict = "refused (--strict)" if refused else "ok"
        print(f"{path}: {verdict} — {len(hall.categories)} categories, {len(hall.services)} services, "
              f"{len(hall.desks)} desks, {len(hall.operators)} operators"
              + (f"; {len(warnings)} warnings / попереджень" if warnings else ""))
    return status


def _token(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlite_utils import Database

    from .api.auth import Role, create_device_token
    from .store.migrations import migrate

    args.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(args.data_dir / DB_NAME)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=5000")
    migrate(db)
    token = create_device_token(db, args.name, Role(args.role), datetime.now(UTC))
    db.close()
    print(token)
    return 0


def _accept_store(args: argparse.Namespace) -> int:
    from sqlite_utils import Database

    from .store import EventStore
    from .store.integrity import mark_path, read_mark, reset_mark

    path = args.data_dir / DB_NAME
    acked = read_mark(mark_path(path))
    last = 0
    if path.exists():
        db = Database(path)
        last = EventStore.last_seq(db) if "events" in db.table_names() else 0
        db.close()
    reset_mark(path, last)
    print(f"{path}: the log ends at seq {last}; {max(acked - last, 0)} acknowledged events are given up. "
          "The server will start on it.")
    return 0


def _hash(_: argparse.Namespace) -> int:
    from .passwords import hash_secret

    secret = getpass.getpass("PIN / пароль: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(secret) < 4:
        print("a PIN needs at least 4 characters / PIN має містити щонайменше 4 символи", file=sys.stderr)
        return 2
    print(hash_secret(secret))
    return 0


def _voice(args: argparse.Namespace) -> int:
    from display_board.voice import VoiceError, generate_segments

    try:
        made = generate_segments(args.out, force=args.force)
    except VoiceError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{made} voice segments written to {args.out}")
    return 0


def _board(args: argparse.Namespace) -> int:
    import subprocess

    from display_board.launcher import board_command

    command = board_command(args.url, args.token, zone=args.zone, desk=args.desk, browser=args.browser)
    if args.print_command:
        print(" ".join(command))
        return 0
    return subprocess.call(command)


def _simulate(args: argparse.Namespace) -> int:
    import asyncio

    from .simulation.profiles import PROFILES
    from .simulation.run import simulate_day

    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(simulate_day(load_hall(args.config), PROFILES[args.profile], args.seed, args.out,
                                      args.through))
    wait = report["wait_minutes"]
    print(f"{report['profile']}: {report['tickets']} tickets at {report['desks']} desks, simulated in "
          f"{report['seconds_to_simulate']} s through {report['through']}\n"
          f"  wait: average {wait['avg']} min, 90% {wait['p90']} min, longest {wait['max']} min; "
          f"within {report['sla_minutes']} min: {report['sla_share'] * 100:.0f}%\n"
          f"  desks busy {report['desk_utilisation_avg'] * 100:.0f}% of the day; printed estimate off by "
          f"{report['estimate_mae_minutes']} min on average\n"
          f"  report: {args.out}/simulation-{report['profile']}.json and .png")
    return 0


def _kiosk(args: argparse.Namespace) -> int:
    from kiosk_app.app import main as kiosk_main
    from printers.profiles import ProfileError, load_profile

    try:
        load_profile(args.profile)  # a wrong code page or slot is refused before the window opens
    except ProfileError as exc:
        print(f"принтер / printer: {exc}", file=sys.stderr)
        return 2
    return kiosk_main(args.server, args.token, args.printer, args.profile, args.accessible, args.windowed,
                      args.audio_device, args.volume)


def _console(args: argparse.Namespace) -> int:
    from desk_console.app import main as console_main

    return console_main(args.server, args.lang)


def _led(args: argparse.Namespace) -> int:
    import asyncio

    import serial

    from cherha_client import ProtocolError
    from display_board.led_driver import Framer, LedBoards, run

    logs.setup("info")
    port = serial.Serial(args.port, baudrate=args.baud, timeout=1)
    boards = LedBoards(write=port.write, framer=Framer(codec=args.codec, address_offset=args.address_offset))
    try:
        asyncio.run(run(args.url, args.token, boards))
    except KeyboardInterrupt:
        pass
    except ProtocolError as exc:  # the display token was refused or revoked: say so, no traceback
        print(f"{exc.error['message']['uk']} / {exc.error['message']['en']}", file=sys.stderr)
        return 3
    finally:
        port.close()
    return 0


def _print_test(args: argparse.Namespace) -> int:
    from datetime import datetime

    from printers.escpos_render import render_escpos
    from printers.layout import TicketContent, ticket_blocks
    from printers.profiles import load_profile
    from printers.transport import PrintError, TicketPrinter, parse_printer_spec

    try:
        profile = load_profile(args.profile)
        config = parse_printer_spec(args.printer, profile)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    content = TicketContent(
        centre="Перевірка принтера / Printer test", ticket="П-001",
        service="Усі літери: І і Ї ї Є є Ґ ґ, апостроф ’ — тире", issued_at=datetime.now(), ahead=3,
        wait_minutes=12, feedback_url="https://example.org/f/test",
    )
    try:
        status = TicketPrinter(config).print_bytes(render_escpos(ticket_blocks(content, profile.columns), profile))
    except PrintError as exc:
        print(f"друк не вдався / printing failed: {exc}", file=sys.stderr)
        return 1
    print(f"надруковано / printed (status {'known' if status.known else 'not reported'})")
    return 0


def _doctor_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser("doctor", help="check this machine before the hall opens (docs/monitoring.md)")
    doctor.add_argument("--server", help="the queue server, e.g. http://10.0.0.2:8080")
    doctor.add_argument("--token", help="this machine's device token (a board's, a kiosk's)")
    doctor.add_argument("--printer", help="the kiosk's printer: serial:DEV | network:HOST | usb:V:P | file:PATH")
    doctor.add_argument("--profile", default="epson-80", help=PROFILE_HELP)
    doctor.add_argument("--data-dir", type=Path, help="the server's data directory (disk space)")
    doctor.add_argument("--config", type=Path, help="the hall TOML: its time zone and feedback_url")
    doctor.add_argument("--public-url", help="the public address of QR links (default: the hall's feedback_url)")
    doctor.add_argument("--no-sound", action="store_true", help="no sound on this machine (server, desk PC)")
    doctor.add_argument("--disk-warn-mb", type=int, default=2048)
    doctor.add_argument("--disk-fail-mb", type=int, default=300)
    doctor.add_argument("--json", action="store_true", help="machine-readable output")


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import Options, report, run

    zone = public = None
    if args.config is not None:
        try:
            hall = load_hall(args.config)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        zone = hall.timezone
        public = hall.feedback_url if hall.feedback_url.startswith(("http://", "https://")) else None
    options = Options(server=args.server, token=args.token, printer=args.printer, profile=args.profile,
                      data_dir=args.data_dir, hall_zone=zone, public_url=args.public_url or public,
                      sound=not args.no_sound, disk_warn_bytes=args.disk_warn_mb * 1024**2,
                      disk_fail_bytes=args.disk_fail_mb * 1024**2)
    text, code = report(run(options), args.json)
    print(text)
    return code


if __name__ == "__main__":
    raise SystemExit(main())


# -- the live configuration in and out as a hall file (issue 15; docs/configuration.md) ----------------------
def _add_config_transfer(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser("export-config", help="write the live configuration (hall file + live changes) as TOML")
    export.add_argument("--config", type=Path, default=DEMO_HALL, help="the hall file the server was started with")
    export.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    imports = sub.add_parser("import-config", help="apply a hall file to a running centre (admin login)")
    imports.add_argument("file", type=Path)
    imports.add_argument("--server", default="http://127.0.0.1:8080", help="the running server's address")
    imports.add_argument("--login", default="admin", help="an admin's login; the PIN is asked (or CHERHA_PIN)")
    imports.add_argument("--dry-run", action="store_true", help="list the changes, make none")
    imports.add_argument("--confirm-affected", action="store_true",
                         help="apply even when booked visitors are left outside the new hours (cancels them)")


def _export_config(args: argparse.Namespace) -> int:
    from .config_export import hall_to_toml, live_hall

    try:
        hall = live_hall(args.config, args.data_dir / DB_NAME)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    sys.stdout.write(hall_to_toml(hall))
    return 0


def _import_config(args: argparse.Namespace) -> int:
    import json
    import os
    import urllib.error
    import urllib.request

    try:
        check_hall(args.file)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    pin = os.environ.get("CHERHA_PIN") or getpass.getpass(f"PIN ({args.login}): ")

    def post(path: str, body: dict[str, object], token: str | None = None) -> dict[str, object]:
        request = urllib.request.Request(args.server.rstrip("/") + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: dict[str, object] = json.loads(response.read())
            return answer

    try:
        session = post("/api/sessions", {"login": args.login, "password": pin})
        answer = post("/api/admin/config", {"toml": args.file.read_text(encoding="utf-8"), "dry_run": args.dry_run,
                                            "confirm_affected": args.confirm_affected}, str(session["token"]))
    except urllib.error.HTTPError as exc:
        error = json.loads(exc.read() or b"{}").get("error", {})
        message = error.get("message", {})
        print(f"{error.get('code', exc.code)}: {message.get('uk', '')} / {message.get('en', '')}", file=sys.stderr)
        for booking in error.get("params", {}).get("bookings", []):
            print(f"  {booking['code']} {booking['service']} {booking['start']}", file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"{args.server}: {exc.reason}", file=sys.stderr)
        return 1
    changes = answer.get("changes", [])
    assert isinstance(changes, list)
    for change in changes:
        summary = change.get("summary", {})
        print(summary.get("uk", f"{change['kind']} {change['target']}: {change['action']}") if summary else
              f"{change['kind']} {change['target']}: {change['action']}")
    print(("dry run: " if args.dry_run else "") + f"{len(changes)} changes / змін")
    return 0
