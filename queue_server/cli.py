"""`cherha`: the command line of the whole system.

    cherha server [--config FILE] [--data-dir DIR] [--host H] [--port P] [--clock-start demo|HH:MM|ISO]
    cherha check-config [FILE ...]
    cherha token --role kiosk|display --name NAME [--data-dir DIR]
    cherha hash-secret            (reads the PIN or password from standard input)
    cherha accept-store [--data-dir DIR]   (after exit code 3: accept the event log as it is now)
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from . import logs
from .clock import Clock, ManualClock, OffsetClock, SystemClock, parse_clock_start
from .config import DEMO_HALL, ConfigError, check_hall, load_hall

DEFAULT_DATA_DIR = Path("data")
DB_NAME = "cherha.sqlite3"
EXIT_STORE_INTEGRITY = 3  # the log on disk is missing or shorter than what was acknowledged: not restarted blindly
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

    token = sub.add_parser("token", help="issue a device token for a kiosk or a display")
    token.add_argument("--role", choices=["kiosk", "display"], required=True)
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
    kiosk.add_argument("--profile", default="epson-80", help="printer profile (docs/printing.md)")
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
    print_test.add_argument("--profile", default="epson-80", help="printer profile (docs/printing.md)")

    args = parser.parse_args(argv)
    handlers = {"server": _server, "check-config": _check_config, "token": _token, "hash-secret": _hash,
                "print-test": _print_test, "voice": _voice, "board": _board, "led": _led,
                "console": _console, "kiosk": _kiosk, "simulate": _simulate, "accept-store": _accept_store}
    return handlers[args.command](args)


def _server(args: argparse.Namespace) -> int:
    from aiohttp import web

    from .api.app import create_app
    from .store import EventStore, StoreIntegrityError

    logs.setup(args.log_level)
    try:
        hall = load_hall(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    clock: Clock = SystemClock(hall.timezone)
    if args.clock_start:
        clock = OffsetClock(parse_clock_start(args.clock_start, hall))
    if args.manual_clock:
        clock = ManualClock(parse_clock_start(args.manual_clock, hall))
    store = EventStore(args.data_dir / DB_NAME)
    modem_factory = None
    if args.sms_port:
        from .sms.modem import GsmModem

        def modem_factory() -> GsmModem:
            modem = GsmModem(args.sms_port, args.sms_baud)
            modem.open()
            return modem

    from .api.limits import Limits

    app = create_app(hall, store, clock, voice_dir=args.voice_dir, modem_factory=modem_factory,
                     clock_control=bool(args.manual_clock),
                     limits=Limits.for_simulation() if args.manual_clock else None, key_file=args.key_file)
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
        for warning in warnings:  # hazards, not errors: the hall loads
            print(warning, file=sys.stderr)
        print(f"{path}: ok — {len(hall.categories)} categories, {len(hall.services)} services, "
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
    from printers.profiles import BUILT_IN
    from printers.transport import PrintError, TicketPrinter, parse_printer_spec

    profile = BUILT_IN.get(args.profile)
    if profile is None:
        print(f"unknown profile {args.profile!r}; known: {', '.join(sorted(BUILT_IN))}", file=sys.stderr)
        return 2
    try:
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


if __name__ == "__main__":
    raise SystemExit(main())
