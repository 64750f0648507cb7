"""Contrast, computed from the styles themselves (tests/styles.py): every text on its background, every
control's border and focus ring, every chart mark, on every screen.

Targets: text 7:1 on the hall board and the desk displays (read from across the hall, WCAG AAA) and in the
kiosk's accessible mode (for visitors with low vision); 4.5:1 for text elsewhere (WCAG AA); 3:1 for what is not
text but must be seen (WCAG 1.4.11). The pages are audited twice: from their CSS here, and on the live pages in
Chromium (tests/test_contrast_pages.py), where the HTML's nesting and the scripts' classes are real.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desk_console import colours
from kiosk_app.styles import ACCESSIBLE_STYLE, NORMAL_STYLE
from tests.styles import Audit, Pair, Sheet, page_audit, parse_colour, ratio

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "display_board" / "static"
CSS_FILES = sorted(STATIC.glob("*.css"))
FAR = 7.0  # the hall's displays: board.css serves the hall board and the desk displays
AA = 4.5
QT_FORE = parse_colour("#000000")  # the text colour of Qt's Fusion palette, where a style sheet names none


def failing(pairs: list[Pair]) -> list[str]:
    return [str(p) for p in pairs if p.ratio < p.needed - 0.005]


@pytest.mark.parametrize("path", CSS_FILES, ids=lambda p: p.name)
def test_every_colour_pair_of_the_pages_css(path: Path) -> None:
    sheet = Sheet.parse(path.name, path.read_text(encoding="utf-8"))
    pairs = page_audit(sheet, FAR if path.name == "board.css" else AA).pairs()
    assert len(pairs) >= 3, f"{path.name}: the audit found next to nothing to check"
    assert not failing(pairs), "\n".join(failing(pairs))


def test_the_board_audit_sees_every_state_of_the_hall() -> None:
    """The pairs the issue measured are among those enumerated (the audit does not skip them)."""
    sheet = Sheet.parse("board.css", (STATIC / "board.css").read_text(encoding="utf-8"))
    selectors = {p.selector for p in page_audit(sheet, FAR).pairs()}
    assert {".paused", ".offline", "footer", "#calls li.new", "#calls li .desk", ".no-token code",
            ".desk-state"} <= selectors
    dashboard = Sheet.parse("dashboard.css", (STATIC / "dashboard.css").read_text(encoding="utf-8"))
    found = {(p.selector, p.kind) for p in page_audit(dashboard, AA).pairs()}
    assert {(".desk.closed", "text"), (".desk.calling", "border"), ("--mark-p90", "mark"),
            ('.heat td[data-level="2"]', "text"), ('.heat td[data-level="3"]', "text")} <= found
    visitor = Sheet.parse("visitor.css", (STATIC / "visitor.css").read_text(encoding="utf-8"))
    assert ("select", "border") in {(p.selector, p.kind) for p in page_audit(visitor, AA).pairs()}


# The issue's measurements, on the colours as they were: the audit must find each of them, or it proves nothing.
# (The offline badge, 90 % red over the board's blue, computes to 6.5:1 here; the issue's 6.8:1 read it over
# another part of the screen. The heat map's worst cell was white text just past half the darkest blue.)
BEFORE = [
    (":root { --bg: #0a1f44; --alert: #c62828; } html, body { background: var(--bg); color: #ffffff; }"
     ".paused { background: var(--alert); }", FAR, 5.6),
    ("html, body { background: #0a1f44; color: #ffffff; } .offline { background: rgba(198, 40, 40, 0.9); }", FAR, 6.5),
    ("body { background: #eef2f8; } section { background: #fff; }"
     ".desk.closed { background: #f5f5f5; color: #888; }", AA, 3.3),
    ("body { background: #ffffff; } .heat td { background: rgba(10,61,145,0.51); color: #fff; }", AA, 2.8),
    ("body { background: #ffffff; } canvas { --mark-p90: #ffb300; }", AA, 1.8),
    ("body { background: #ffffff; } select, input[type=tel] { border: 2px solid #9fb3d9; }", AA, 2.1),
    ("body { background: #ffffff; } button:focus-visible { outline: 2px solid #ffb300; }", AA, 1.8),
]


@pytest.mark.parametrize(("css", "target", "measured"), BEFORE)
def test_the_audit_finds_what_the_issue_measured(css: str, target: float, measured: float) -> None:
    worst = min(page_audit(Sheet.parse("before.css", css), target).pairs(), key=lambda p: p.ratio)
    assert round(worst.ratio, 1) == measured and failing([worst])


def test_a_removed_focus_ring_fails() -> None:
    with pytest.raises(AssertionError, match="focus ring"):
        page_audit(Sheet.parse("x.css", "a:focus { outline: none; }"), AA).pairs()


def qt_audit(name: str, style: str, text: float, window: str | None = None) -> Audit:
    sheet = Sheet.parse(name, style)
    root = sheet.effective("QWidget#kiosk") if window is None else {"background": window}
    return Audit(sheet, QT_FORE, [parse_colour(root["background"])], text)


@pytest.mark.parametrize(("name", "style", "target"),
                         [("kiosk", NORMAL_STYLE, AA), ("kiosk accessible", ACCESSIBLE_STYLE, FAR)])
def test_every_colour_pair_of_the_kiosk(name: str, style: str, target: float) -> None:
    pairs = qt_audit(name, style, target).pairs()
    assert {p.selector for p in pairs} >= {"QLabel", "QPushButton QLabel", "QPushButton:pressed QLabel",
                                          "QPushButton#secondary QLabel", "QLabel#warning"}
    assert not failing(pairs), "\n".join(failing(pairs))


def test_every_colour_pair_of_the_desk_console() -> None:
    pairs = []
    for name, style in colours.STYLES.items():
        sheet_text = style if "{" in style else f"QWidget {{ {style} }}"
        pairs += qt_audit(f"console {name}", sheet_text, AA, window=colours.WINDOW).pairs()
    assert len(pairs) >= len(colours.STYLES)
    closed = parse_colour(colours.CLOSED_SERVICE)
    assert ratio(closed, parse_colour(colours.BASE)) >= AA, "a closed service's row in the queues table"
    assert not failing(pairs), "\n".join(failing(pairs))
    before = qt_audit("console marks", "QWidget { color: #e65100; font-weight: bold; }", AA, window="#efefef")
    assert round(before.pairs()[0].ratio, 1) == 3.3, "the priority mark as it was"


COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b(?![\w-])|rgba?\(")


def test_no_colour_escapes_the_audit() -> None:
    """Colours live in the style sheets audited above: the console's colours.py, the kiosk's two style sheets,
    the pages' CSS. A colour written in a script or a widget would be drawn unchecked."""
    found = []
    for path in [*sorted((ROOT / "desk_console").glob("*.py")), *sorted((ROOT / "kiosk_app").glob("*.py")),
                 *sorted(STATIC.glob("*.js")), *sorted(STATIC.glob("*.html"))]:
        if path.name == "colours.py":
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "styles.py" and path.parent.name == "kiosk_app":
            text = text.replace(NORMAL_STYLE, "").replace(ACCESSIBLE_STYLE, "")
        found += [f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {m.group(0)}"
                  for m in COLOUR_LITERAL.finditer(text)]
    assert not found, "\n".join(found)
