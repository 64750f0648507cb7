"""Printer models as data: paper width, code page and its ESC t slot, native QR support.

The ESC t slot that selects CP1251 differs by vendor (docs/printing.md, "Code pages"): 46 on Epson, 73 on
many cheap 58 mm printers (POS-5890, NT-5890K), 34 Star (ESC/POS mode), 12 OCD-100/300, 6 RP326, 51 KR-306.
A profile with no code page prints the whole ticket as an image (printers without Cyrillic). A kiosk's
config names a built-in profile and may override any field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    paper_mm: int
    columns: int  # characters per line in font A at normal size
    dots: int  # printable width in dots (raster images)
    codepage: str | None  # Python codec of the printer's Cyrillic code page; None = image mode
    codepage_slot: int | None  # the n of ESC t n that selects it on this model
    native_qr: bool  # GS ( k; without it the QR code is sent as an image
    qr_size: int = 6  # module size in dots for native QR

    @property
    def image_mode(self) -> bool:
        return self.codepage is None


_58 = {"paper_mm": 58, "columns": 32, "dots": 384}
_80 = {"paper_mm": 80, "columns": 48, "dots": 576}

BUILT_IN: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        PrinterProfile("epson-80", **_80, codepage="cp1251", codepage_slot=46, native_qr=True),
        PrinterProfile("epson-58", **_58, codepage="cp1251", codepage_slot=46, native_qr=True, qr_size=5),
        PrinterProfile("pos-5890", **_58, codepage="cp1251", codepage_slot=73, native_qr=False, qr_size=5),
        PrinterProfile("xprinter-80", **_80, codepage="cp1251", codepage_slot=73, native_qr=True),
        PrinterProfile("star-escpos-80", **_80, codepage="cp1251", codepage_slot=34, native_qr=True),
        PrinterProfile("ocd-80", **_80, codepage="cp1251", codepage_slot=12, native_qr=True),
        PrinterProfile("rp326-80", **_80, codepage="cp1251", codepage_slot=6, native_qr=True),
        PrinterProfile("kr306-80", **_80, codepage="cp1251", codepage_slot=51, native_qr=True),
        PrinterProfile("image-58", **_58, codepage=None, codepage_slot=None, native_qr=False),
        PrinterProfile("image-80", **_80, codepage=None, codepage_slot=None, native_qr=False),
    )
}
CODEPAGES = ("cp1251", "cp1125")


class ProfileError(ValueError):
    pass


def profile_from_config(data: dict[str, Any]) -> PrinterProfile:
    """`{"profile": "pos-5890", "codepage_slot": 17, ...}`: a built-in profile with overrides."""
    base_name = data.get("profile", "epson-80")
    if base_name not in BUILT_IN:
        raise ProfileError(f"unknown printer profile {base_name!r}; known: {', '.join(sorted(BUILT_IN))}")
    overrides = {k: v for k, v in data.items() if k != "profile"}
    known = {f.name for f in dataclasses.fields(PrinterProfile)}
    unknown = set(overrides) - known
    if unknown:
        raise ProfileError(f"unknown printer settings: {', '.join(sorted(unknown))}")
    profile = dataclasses.replace(BUILT_IN[base_name], **overrides)
    if profile.codepage is not None and profile.codepage not in CODEPAGES:
        raise ProfileError(f"code page must be one of {CODEPAGES} or none (image mode)")
    slot = profile.codepage_slot
    if profile.codepage is not None and not (isinstance(slot, int) and 0 <= slot <= 255):
        raise ProfileError("a code page needs its ESC t slot (0-255) for this printer model")
    return profile
