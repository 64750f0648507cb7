"""What goes on the paper, as printer-independent blocks: pure, no escpos, no I/O beyond the label file
(read by the one catalogue mechanism, texts/).

A ticket becomes a list of `Line`, `QrCode`, `Feed` and `Cut` blocks laid out for a number of columns;
the renderers (ESC/POS bytes, or an image) turn blocks into output. Text is wrapped at word boundaries
to the width a line's size allows, so nothing is ever clipped. No personal data: a ticket carries a
number, a service, times and a link, never a name.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from texts import Catalogue

LABELS_FILE = Path(__file__).parent / "locales" / "labels.toml"


@dataclass(frozen=True)
class Line:
    text: str
    align: str = "left"  # left | center
    size: int = 1  # 1 normal, 2 double width and height, 3 triple (the ticket number)
    bold: bool = False


@dataclass(frozen=True)
class QrCode:
    payload: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Line | QrCode | Feed | Cut


@dataclass(frozen=True)
class TicketContent:
    centre: str
    ticket: str
    service: str
    issued_at: datetime
    ahead: int
    wait_minutes: int | None  # None: no desk for the service was open at issue
    feedback_url: str
    lang: str = "uk"
    priority_category: str | None = None
    booked_for: datetime | None = None


@dataclass(frozen=True)
class InfoCardContent:
    centre: str
    service: str
    printed_at: datetime
    documents: str | None = None
    term: str | None = None
    cost: str | None = None
    lang: str = "uk"
    extra: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=1)
def _labels() -> Catalogue:
    return Catalogue(LABELS_FILE)


def label(lang: str, key: str, **params: object) -> str:
    """A ticket's label; a ticket asked for in a language we lack is printed in Ukrainian."""
    return _labels().t_in(lang, key, **params)


def wrap(text: str, columns: int, size: int = 1) -> list[str]:
    """Word-wrap to what fits at this character size; an over-long word is split, never cut off."""
    width = max(1, columns // size)
    return textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False) or [""]


def _lines(text: str, columns: int, align: str = "left", size: int = 1, bold: bool = False) -> list[Block]:
    return [Line(part, align, size, bold) for part in wrap(text, columns, size)]


def ticket_blocks(content: TicketContent, columns: int) -> list[Block]:
    lang = content.lang
    number_size = 3 if len(content.ticket) * 3 <= columns else 2
    blocks: list[Block] = [
        *_lines(content.centre, columns, "center", bold=True),
        Feed(),
        *_lines(label(lang, "ticket"), columns, "center"),
        *_lines(content.ticket, columns, "center", size=number_size, bold=True),
        Feed(),
        *_lines(content.service, columns, "center", bold=True),
        Feed(),
    ]
    if content.priority_category:
        blocks += _lines(label(lang, "priority", category=content.priority_category), columns, "center", bold=True)
        blocks += _lines(label(lang, "priority_note"), columns, "center")
    if content.booked_for is not None:
        blocks += _lines(label(lang, "booked", time=f"{content.booked_for:%H:%M}"), columns, "center", bold=True)
    ahead = label(lang, "ahead", count=content.ahead) if content.ahead else label(lang, "ahead_none")
    if content.wait_minutes is None:
        wait = label(lang, "wait_no_desk")
    else:
        wait = label(lang, "wait", minutes=content.wait_minutes) if content.wait_minutes else label(lang, "wait_none")
    blocks += [
        *_lines(ahead, columns, "center"),
        *_lines(wait, columns, "center"),
        *_lines(f"{content.issued_at:%d.%m.%Y %H:%M}", columns, "center"),
        Feed(),
        *_lines(label(lang, "watch_board"), columns, "center"),
        Feed(),
        *_lines(label(lang, "feedback"), columns, "center"),
        QrCode(content.feedback_url),
        *_lines(label(lang, "footer"), columns, "center"),
        Feed(3),
        Cut(),
    ]
    return blocks


def info_card_blocks(content: InfoCardContent, columns: int) -> list[Block]:
    lang = content.lang
    blocks: list[Block] = [
        *_lines(content.centre, columns, "center", bold=True),
        *_lines(label(lang, "info_card"), columns, "center"),
        Feed(),
        *_lines(content.service, columns, bold=True),
        Feed(),
    ]
    for key, value in (("documents", content.documents), ("term", content.term), ("cost", content.cost)):
        if value:
            blocks += _lines(label(lang, key) + ":", columns, bold=True)
            for item in value.split(";"):
                blocks += _lines("- " + item.strip(), columns)
            blocks.append(Feed())
    for extra in content.extra:
        blocks += _lines(extra, columns)
    blocks += [*_lines(label(lang, "printed", moment=f"{content.printed_at:%d.%m.%Y %H:%M}"), columns),
               Feed(3), Cut()]
    return blocks
