"""Ticket printing: layout, code pages, byte-exact snapshots, and the real serial, network and file paths.

Set UPDATE_SNAPSHOTS=1 to rewrite tests/snapshots/ after an intended format change (and look at the diff).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import tty
from datetime import datetime
from pathlib import Path

import pytest
import zxingcpp

from printers.escpos_render import render_escpos
from printers.image_render import render_image
from printers.layout import InfoCardContent, Line, QrCode, TicketContent, info_card_blocks, ticket_blocks, wrap
from printers.profiles import BUILT_IN, ProfileError, load_profile, profile_from_config
from printers.text_encoding import encode
from printers.transport import PrinterConfig, PrintError, TicketPrinter, parse_status

from .escpos_reader import read, stitch
from .shots import shots_dir

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).parent / "snapshots"
UKRAINIAN = "АаБбВвГгҐґДдЕеЄєЖжЗзИиІіЇїЙйКкЛлМмНнОоПпРрСсТтУуФфХхЦцЧчШшЩщЬьЮюЯя’"
SERVICE = "Реєстрація місця проживання дитини до 14 років (з’їзд, ґанок, Ірпінь, Єнакієве, Їжакевич, Ґалаґан)"
FEEDBACK = "http://cnap.lutsk.example/f/Xq3vB7kPz0aL9sWdE2rTy6uIo4pAsDfGhJkLzXcVbN8"


def ticket(**changes: object) -> TicketContent:
    fields: dict[str, object] = {
        "centre": "ЦНАП м. Луцька", "ticket": "П-015", "service": SERVICE,
        "issued_at": datetime(2026, 11, 24, 10, 5), "ahead": 4, "wait_minutes": 23, "feedback_url": FEEDBACK,
    }
    fields.update(changes)
    return TicketContent(**fields)  # type: ignore[arg-type]


# The printer each profile is for, and what that printer really is, written here independently of
# printers/profiles.py: its ESC t table is read straight from python-escpos's capabilities.json, and its line
# width from the makers' specifications (Epson TM-T88III/IV/V: 512 dots, 42 columns of font A).
REAL_PRINTER = {  # profile: (capability model, columns of font A)
    "epson-80": ("TM-T20II", 48), "epson-t88v": ("TM-T88V", 42), "epson-t88iv": ("TM-T88IV", 42),
    "epson-58": ("TM-T20II", 32), "pos-5890": ("POS-5890", 32), "xprinter-80": ("NT-80-V-UL", 48),
    "star-escpos-80": ("TSP600", 48), "rp326-80": ("RP326", 48), "kr306-80": ("KR-306", 48),
    "image-58": ("default", 32), "image-80": ("default", 48),
}
CHINESE_FIRMWARE = {"pos-5890", "xprinter-80", "rp326-80", "kr306-80"}
TEXT_PROFILES = sorted(name for name, p in BUILT_IN.items() if not p.image_mode)


def real_table(model: str) -> dict[int, str]:
    import escpos

    data = json.loads((Path(escpos.__file__).parent / "capabilities.json").read_text(encoding="utf-8"))
    table = data["profiles"][model]["codePages"]
    return {int(slot): name.lower() for slot, name in table.items() if name.startswith("CP")}


def codecs_of(name: str) -> dict[int, str]:
    """What the printer behind profile `name` prints for each ESC t slot (not what the profile claims)."""
    return real_table(REAL_PRINTER[name][0])


# -- layout and text -----------------------------------------------------------------------------
@pytest.mark.parametrize("columns", [32, 48])
def test_layout_wraps_to_the_paper_and_never_clips(columns: int) -> None:
    blocks = ticket_blocks(ticket(priority_category="Особа з інвалідністю I групи"), columns)
    lines = [b for b in blocks if isinstance(b, Line)]
    for line in lines:
        assert len(line.text) <= columns // line.size, line
    service_lines = [b.text for b in lines if b.bold and b.size == 1][1:]  # after the centre name
    assert " ".join(service_lines).startswith(SERVICE)
    number = next(b for b in lines if b.text == "П-015")
    assert number.size == 3 and number.align == "center"
    assert [b for b in blocks if isinstance(b, QrCode)] == [QrCode(FEEDBACK)]


def test_wrap_splits_a_word_longer_than_the_line() -> None:
    parts = wrap("Адміністративно-територіальноустрійний", 10)
    assert "".join(parts) == "Адміністративно-територіальноустрійний" and all(len(p) <= 10 for p in parts)


def test_english_ticket_and_booking_mark() -> None:
    blocks = ticket_blocks(ticket(lang="en", booked_for=datetime(2026, 11, 24, 10, 30), ahead=0, wait_minutes=0), 48)
    text = [b.text for b in blocks if isinstance(b, Line)]
    assert "Your ticket" in text and "PRE-BOOKED FOR 10:30" in text and "Nobody is ahead of you" in text


@pytest.mark.parametrize(("lang", "words"), [("uk", "Вікна цієї послуги ще не відкриті"),
                                             ("en", "No desk for this service is open yet")])
def test_no_desk_open_prints_no_invented_minutes(lang: str, words: str) -> None:
    blocks = ticket_blocks(ticket(lang=lang, ahead=2, wait_minutes=None), 48)
    text = " ".join(b.text for b in blocks if isinstance(b, Line))
    assert words in text and "хв" not in text.replace("хвилин", "") and " min" not in text


@pytest.mark.parametrize("codec", ["cp1251", "cp1125"])
def test_every_ukrainian_letter_survives_the_code_page(codec: str) -> None:
    encoded = encode(UKRAINIAN + "\u02bc", codec)
    assert b"?" not in encoded
    decoded = encoded.decode(codec)
    apostrophe = "’" if codec == "cp1251" else "'"
    assert decoded == UKRAINIAN[:-1] + apostrophe + apostrophe


def test_profiles_from_config() -> None:
    custom = profile_from_config({"profile": "epson-80", "codepage": "cp1125"})
    assert (custom.codepage, custom.codepage_slot, custom.columns) == ("cp1125", 44, 48), "the slot from the table"
    assert profile_from_config({"profile": "epson-80", "codepage": "cp1125", "codepage_slot": 44}) == custom
    # The example docs/printing.md once gave: slot 17 is CP866 on Epson, and printed «Усў лўтери».
    with pytest.raises(ProfileError, match="slot 17 is CP866; CP1125 is slot 44"):
        profile_from_config({"profile": "epson-80", "codepage": "cp1125", "codepage_slot": 17})
    with pytest.raises(ProfileError, match="has no cp1125"):
        profile_from_config({"profile": "pos-5890", "codepage": "cp1125"})
    with pytest.raises(ProfileError, match="customer displays"):
        profile_from_config({"profile": "ocd-80"})
    with pytest.raises(ProfileError, match="unknown printer model"):
        profile_from_config({"profile": "epson-80", "model": "TM-NOPE"})
    assert profile_from_config({"profile": "epson-80", "codepage": "none"}).image_mode
    with pytest.raises(ProfileError, match="unknown printer profile"):
        profile_from_config({"profile": "nope"})
    with pytest.raises(ProfileError, match="ESC t slot"):
        profile_from_config({"profile": "epson-80", "codepage_slot": None})
    with pytest.raises(ProfileError, match="unknown printer settings"):
        profile_from_config({"profile": "epson-80", "colour": "red"})


# -- byte-exact snapshots and what a printer makes of the bytes ----------------------------------
SNAPSHOT_CASES = {
    "ticket-epson-80.bin": ("epson-80", lambda p: ticket_blocks(ticket(), p.columns)),
    "ticket-pos-5890.bin": ("pos-5890", lambda p: ticket_blocks(ticket(priority_category="Військовослужбовець"),
                                                                 p.columns)),
    "infocard-epson-58.bin": ("epson-58", lambda p: info_card_blocks(InfoCardContent(
        centre="ЦНАП м. Луцька", service="Оформлення паспорта громадянина України у формі ID-картки",
        printed_at=datetime(2026, 11, 24, 10, 7), documents="Заява; свідоцтво про народження; квитанція",
        term="20 робочих днів", cost="345 грн"), p.columns)),
}


@pytest.mark.parametrize("name", sorted(SNAPSHOT_CASES))
def test_byte_exact_snapshot(name: str) -> None:
    profile_name, build = SNAPSHOT_CASES[name]
    profile = BUILT_IN[profile_name]
    data = render_escpos(build(profile), profile)
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} changed; if intended, rerun with UPDATE_SNAPSHOTS=1"


def test_native_qr_ticket_reads_back() -> None:
    profile = BUILT_IN["epson-80"]
    printout = read(render_escpos(ticket_blocks(ticket(), profile.columns), profile), codecs_of("epson-80"))
    assert printout.codepage_slots == [46], "one code page, selected once"
    assert printout.qr_payloads == [FEEDBACK]
    assert printout.cuts == 1 and not printout.images
    number = next(line for line in printout.lines if line.text == "П-015")
    assert (number.width, number.height, number.bold, number.align) == (3, 3, True, "center")
    assert "ЦНАП м. Луцька" in printout.text and "Перед вами: 4" in printout.text
    assert "Орієнтовне очікування: 23 хв" in printout.text and "24.11.2026 10:05" in printout.text
    service = " ".join(line.text for line in printout.lines if line.bold and line.width == 1)
    assert SERVICE in service, "every letter of the service name printed, in the right code page"


def test_image_qr_ticket_reads_back() -> None:
    profile = BUILT_IN["pos-5890"]  # a cheap 58 mm printer without GS ( k
    printout = read(render_escpos(ticket_blocks(ticket(), profile.columns), profile), codecs_of("pos-5890"))
    assert printout.codepage_slots == [73] and printout.qr_payloads == []
    assert len(printout.images) >= 1
    decoded = zxingcpp.read_barcodes(stitch(printout.images).convert("L"))
    assert [code.text for code in decoded] == [FEEDBACK]
    assert "з’їзд, ґанок, Ірпінь, Єнакієве" in printout.text.replace("\n", " ")


def test_image_mode_ticket_for_printers_without_cyrillic() -> None:
    profile = BUILT_IN["image-58"]
    blocks = ticket_blocks(ticket(), profile.columns)
    data = render_escpos(blocks, profile)
    printout = read(data, {})
    assert printout.codepage_slots == [] and not [line for line in printout.lines if line.text], "all one image"
    sheet = stitch(printout.images)
    assert sheet.width == profile.dots
    assert [code.text for code in zxingcpp.read_barcodes(sheet.convert("L"))] == [FEEDBACK]
    assert printout.cuts == 1
    # The picture for docs/, and the same in 80 mm.
    out = shots_dir()
    render_image(blocks, profile).save(out / "ticket-58mm.png")
    wide = BUILT_IN["image-80"]
    render_image(ticket_blocks(ticket(priority_category="Особа з інвалідністю I групи"), wide.columns),
                 wide).save(out / "ticket-80mm-priority.png")


# -- transports ----------------------------------------------------------------------------------
def _expected() -> tuple[PrinterConfig, bytes]:
    profile = BUILT_IN["epson-80"]
    return PrinterConfig("dummy", profile), render_escpos(ticket_blocks(ticket(), profile.columns), profile)


class FakeSerialPrinter:
    """The far end of a pseudo-terminal: collects bytes, answers DLE EOT like an Epson printer."""

    def __init__(self, paper_byte: int = 0x12) -> None:
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(slave)
        self.device = os.ttyname(slave)
        self.slave = slave
        self.paper_byte = paper_byte
        self.received = bytearray()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import select

        while not self.stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            self.received += chunk
            for n in (1, 2, 4):
                if b"\x10\x04" + bytes([n]) in chunk:
                    os.write(self.master, bytes([{1: 0x16, 2: 0x12, 4: self.paper_byte}[n]]))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        os.close(self.master)
        os.close(self.slave)


def _strip_status_queries(data: bytes) -> bytes:
    for n in (1, 2, 4):
        data = data.replace(b"\x10\x04" + bytes([n]), b"", 1)
    return data


def test_serial_path_through_a_pseudo_terminal() -> None:
    dummy_config, expected = _expected()
    fake = FakeSerialPrinter()
    try:
        printer = TicketPrinter(PrinterConfig("serial", dummy_config.profile, device=fake.device, baudrate=115200))
        status = printer.print_bytes(expected)
        deadline = threading.Event()
        for _ in range(100):
            if len(fake.received) >= len(expected) + 9:
                break
            deadline.wait(0.02)
    finally:
        fake.close()
    assert status.known and status.problem is None
    assert bytes(fake.received).startswith(b"\x10\x04\x01")
    assert _strip_status_queries(bytes(fake.received)) == expected, "serial bytes identical to the Dummy's"
    printout = read(_strip_status_queries(bytes(fake.received)), codecs_of("epson-80"))
    assert printout.qr_payloads == [FEEDBACK]


def test_serial_paper_out_is_reported_and_nothing_printed() -> None:
    _config, expected = _expected()
    fake = FakeSerialPrinter(paper_byte=0x72)  # roll paper end bits set
    try:
        printer = TicketPrinter(PrinterConfig("serial", BUILT_IN["epson-80"], device=fake.device))
        with pytest.raises(PrintError) as failure:
            printer.print_bytes(expected)
    finally:
        fake.close()
    assert failure.value.code == "printer_paper_out"
    assert _strip_status_queries(bytes(fake.received)) == b""


def test_status_bytes() -> None:
    assert parse_status(0x16, 0x12, 0x12).problem is None
    assert parse_status(0x1E, 0x12, 0x12).problem == "printer_offline"
    assert parse_status(0x16, 0x16, 0x12).problem == "printer_cover_open"
    near = parse_status(0x16, 0x12, 0x1E)
    assert near.paper_near_end and near.problem is None


class LoopbackPrinter:
    """A network printer on 127.0.0.1: collects what it is sent; answers status queries if asked to."""

    def __init__(self, answers: bool = True, port: int = 0) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.answers = answers
        self.received = bytearray()
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        self.server.settimeout(5)
        connection, _ = self.server.accept()
        connection.settimeout(5)
        with connection:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                self.received += chunk
                if self.answers:
                    for n in (1, 2, 4):
                        if b"\x10\x04" + bytes([n]) in chunk:
                            connection.sendall(b"\x12")
        self.done.set()
        self.server.close()

    @classmethod
    def on_port(cls, port: int) -> LoopbackPrinter:
        return cls(port=port)


def test_network_path_through_a_loopback_listener() -> None:
    config, expected = _expected()
    listener = LoopbackPrinter()
    printer = TicketPrinter(PrinterConfig("network", config.profile, host="127.0.0.1", port=listener.port))
    status = asyncio.run(printer.print_async(expected))
    assert listener.done.wait(5)
    assert status.known and _strip_status_queries(bytes(listener.received)) == expected


def test_network_printer_that_gives_no_status_still_prints() -> None:
    config, expected = _expected()
    listener = LoopbackPrinter(answers=False)
    printer = TicketPrinter(PrinterConfig("network", config.profile, host="127.0.0.1", port=listener.port,
                                          status_timeout=0.2))
    status = printer.print_bytes(expected)
    assert listener.done.wait(5)
    assert not status.known
    assert bytes(listener.received) == b"\x10\x04\x01" + expected


def test_unreachable_printers_fail_clearly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config, expected = _expected()
    closed_port = socket.create_server(("127.0.0.1", 0))
    port = closed_port.getsockname()[1]
    closed_port.close()
    for printer_config in (
        PrinterConfig("network", config.profile, host="127.0.0.1", port=port, timeout=1),
        PrinterConfig("serial", config.profile, device=str(tmp_path / "no-such-tty")),
        PrinterConfig("usb", config.profile, usb_vendor=0x04B8, usb_product=0x0E15),
    ):
        with pytest.raises(PrintError) as failure:
            TicketPrinter(printer_config).print_bytes(expected)
        assert failure.value.code == "printer_offline", printer_config.transport


def test_file_and_dummy_transports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config, expected = _expected()
    path = tmp_path / "lp0"
    path.touch()
    TicketPrinter(PrinterConfig("file", config.profile, device=str(path))).print_bytes(expected)
    assert path.read_bytes() == expected
    dummy = TicketPrinter(config)
    dummy.print_bytes(expected)
    assert dummy.jobs == [expected]
    with pytest.raises(ValueError, match="transport"):
        PrinterConfig("bluetooth", config.profile)


def test_printer_specs() -> None:
    from printers.transport import parse_printer_spec

    profile = BUILT_IN["pos-5890"]
    assert parse_printer_spec("serial:/dev/ttyUSB0@9600", profile).baudrate == 9600
    assert parse_printer_spec("serial:/dev/ttyUSB0", profile).baudrate == 115_200
    network = parse_printer_spec("network:192.168.1.50", profile)
    assert (network.host, network.port) == ("192.168.1.50", 9100)
    usb = parse_printer_spec("usb:04b8:0e15", profile)
    assert (usb.usb_vendor, usb.usb_product) == (0x04B8, 0x0E15)
    assert parse_printer_spec("file:/dev/usb/lp0", profile).device == "/dev/usb/lp0"
    for bad in ("serial", "network:", "usb:zz:1", "lpt1", "serial:/dev/x@fast"):
        with pytest.raises(ValueError, match="cannot read printer"):
            parse_printer_spec(bad, profile)


def test_cp1125_printer_reads_back() -> None:
    profile = profile_from_config({"profile": "epson-80", "codepage": "cp1125", "codepage_slot": 44})
    printout = read(render_escpos(ticket_blocks(ticket(), profile.columns), profile), codecs_of("epson-80"))
    assert printout.codepage_slots == [44]
    service = " ".join(line.text for line in printout.lines if line.bold and line.width == 1)
    assert SERVICE.replace("’", "'") in service, "CP1125 has every letter; ’ falls back to '"


# -- every profile, decoded as its printer would (issue 19, point 6) ------------------------------------
PAIRS = " ".join(UKRAINIAN[i:i + 2] for i in range(0, len(UKRAINIAN) - 1, 2))  # "Аа Бб ... Яя"
WORDS = "Ґанок, єнот, їжак, ірис, з’їзд: ҐЄІЇ — " + PAIRS + " " + SERVICE


@pytest.mark.parametrize("name", TEXT_PROFILES)
def test_every_ukrainian_letter_prints_on_every_profile(name: str) -> None:
    profile = BUILT_IN[name]
    content = ticket(service=WORDS, centre="ЦНАП «Прозорий офіс»")
    printout = read(render_escpos(ticket_blocks(content, profile.columns), profile), codecs_of(name))
    assert printout.codepage_slots == [profile.codepage_slot], "one code page, selected once"
    printed = " ".join(line.text for line in printout.lines)
    apostrophe = "’" if profile.codepage == "cp1251" else "'"
    for letter in UKRAINIAN.replace("’", "") + "ґєіїҐЄІЇ":
        assert letter in printed, f"{name}: {letter!r} lost"
    assert f"з{apostrophe}їзд" in printed and "?" not in printed


@pytest.mark.parametrize("name", ["epson-80", "epson-58"])
def test_a_kiosk_override_to_cp1125_reads_back(name: str) -> None:
    profile = load_profile(f"{name},codepage=cp1125")
    printout = read(render_escpos(ticket_blocks(ticket(service=WORDS), profile.columns), profile), codecs_of(name))
    assert printout.codepage_slots == [44]
    assert "ҐЄІЇ" in printout.text and "з'їзд" in printout.text


def test_epson_t88v_without_cp1125_is_refused() -> None:
    """The TM-T88V's table has no CP1125: the override is refused, never printed in the wrong letters."""
    with pytest.raises(ProfileError, match="TM-T88V has no cp1125"):
        load_profile("epson-t88v,codepage=cp1125")


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_no_word_is_broken_at_the_printers_width(name: str) -> None:
    """Every line fits the real printer's columns (so the printer never wraps by itself, mid-word), and the
    service name reads back whole, words intact, at 32, 42 and 48 columns."""
    profile = BUILT_IN[name]
    _model, columns = REAL_PRINTER[name]
    assert profile.columns == columns, f"{name}: {profile.columns} columns on a {columns}-column printer"
    assert profile.dots == {32: 384, 42: 512, 48: 576}[columns]
    if profile.image_mode:
        return
    for content in (ticket(priority_category="Особа з інвалідністю I групи"), ticket(lang="en", service="Registration "
                    "of the place of residence of a child under fourteen years (transfer, notification)")):
        printout = read(render_escpos(ticket_blocks(content, profile.columns), profile), codecs_of(name))
        for line in printout.lines:
            assert len(line.text) * line.width <= columns, (name, line)
        service = [line.text for line in printout.lines if line.bold and line.width == 1 and line.text][1:]
        assert " ".join(service).startswith(content.service), (name, service)


@pytest.mark.parametrize("columns", [32, 42, 48])
def test_wrap_keeps_words_whole_at_any_width(columns: int) -> None:
    text = ("Видача довідки про реєстрацію місця проживання особи та зняття з реєстрації, "
            "оформлення паспорта громадянина України для виїзду за кордон") * 3
    for size in (1, 2):
        parts = wrap(text, columns, size)
        assert " ".join(parts) == text and all(len(part) <= columns // size for part in parts)


@pytest.mark.parametrize("name", TEXT_PROFILES)
def test_chinese_firmware_leaves_double_byte_mode(name: str) -> None:
    profile = BUILT_IN[name]
    data = render_escpos(ticket_blocks(ticket(), profile.columns), profile)
    cancelled = read(data, codecs_of(name)).double_byte_cancelled
    assert cancelled == (name in CHINESE_FIRMWARE), name
    if cancelled:
        assert data.startswith(b"\x1b@\x1c."), "FS . right after ESC @, before any text"


@pytest.mark.parametrize("name", TEXT_PROFILES)
def test_qr_error_correction_is_m(name: str) -> None:
    profile = BUILT_IN[name]
    printout = read(render_escpos(ticket_blocks(ticket(), profile.columns), profile), codecs_of(name))
    if profile.native_qr:
        assert printout.qr_error_levels == ["M"] and printout.qr_payloads == [FEEDBACK]
    else:
        [code] = zxingcpp.read_barcodes(stitch(printout.images).convert("L"))
        assert (code.text, code.ec_level) == (FEEDBACK, "M")


def test_profile_overrides_from_a_file(tmp_path: Path) -> None:
    toml = tmp_path / "printer.toml"
    toml.write_text('profile = "epson-80"\ncodepage = "cp1125"\nqr_size = 5\n', encoding="utf-8")
    assert (load_profile(str(toml)).codepage_slot, load_profile(str(toml)).qr_size) == (44, 5)
    inline = load_profile("pos-5890,columns=32,native_qr=false")
    assert inline.model == "POS-5890" and not inline.native_qr
    with pytest.raises(ProfileError, match="key=value"):
        load_profile("epson-80,cp1125")
    with pytest.raises(ProfileError, match="cannot read printer profile file"):
        load_profile(str(tmp_path / "missing.toml"))


def test_the_command_line_refuses_a_wrong_slot(capsys: pytest.CaptureFixture[str]) -> None:
    from queue_server.cli import main

    wrong = "epson-80,codepage=cp1125,codepage_slot=17"
    assert main(["kiosk", "--token", "unused", "--profile", wrong]) == 2
    assert "slot 17 is CP866; CP1125 is slot 44" in capsys.readouterr().err
    assert main(["print-test", "--printer", "dummy", "--profile", wrong]) == 2
    assert main(["print-test", "--printer", "dummy", "--profile", "epson-80,codepage=cp1125"]) == 0
    assert "надруковано / printed" in capsys.readouterr().out
