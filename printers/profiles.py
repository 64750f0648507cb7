"""Printer models as data: paper width, code page and its ESC t slot, native QR support.

The ESC t slot that selects a code page differs by vendor and model, and a wrong slot prints another code
page's letters («Усў лўтери» is CP1125 text printed in CP866). So no slot is typed in by hand: each profile
names the python-escpos capability model whose code-page table it follows (escpos/capabilities.json, the
community's table of printers), and the slot is looked up there. A kiosk's override of the code page or the
slot is checked against the same table, so a pair the printer does not have is refused before any paper.

A profile with no code page prints the whole ticket as an image (printers without Cyrillic in ROM, such as
the Epson TM-T88III/IV, whose tables have CP866 only: no І і Ї ї Ґ ґ Є є).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

CODEPAGES = ("cp1251", "cp1125")  # the code pages that hold every Ukrainian letter


@lru_cache(maxsize=1)
def _capabilities() -> dict[str, Any]:
    from escpos.capabilities import CAPABILITIES  # python-escpos's own table (capabilities.json)

    data: dict[str, Any] = CAPABILITIES["profiles"]
    return data


def model_codepages(model: str) -> dict[int, str]:
    """A capability model's ESC t table: slot -> Python codec ("cp1251"); unknown slots left out."""
    table = _capabilities()[model]["codePages"]
    return {int(slot): name.lower() for slot, name in table.items() if name.upper().startswith("CP")}


def slot_for(model: str, codepage: str) -> int | None:
    """The lowest ESC t slot that selects `codepage` on this model, or None if it has none."""
    slots = [slot for slot, codec in model_codepages(model).items() if codec == codepage]
    return min(slots) if slots else None


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    model: str  # python-escpos capability model whose ESC t table this printer follows
    paper_mm: int
    columns: int  # characters per line in font A at normal size
    dots: int  # printable width in dots (raster images)
    codepage: str | None  # Python codec of the printer's Cyrillic code page; None = image mode
    codepage_slot: int | None  # the n of ESC t n that selects it on this model
    native_qr: bool  # GS ( k; without it the QR code is sent as an image
    qr_size: int = 6  # module size in dots for native QR
    # Chinese-market firmware (GB18030 in ROM) may power up in double-byte mode, where two Cyrillic bytes
    # print as one Chinese character: `FS .` cancels it at the start of every job.
    cancel_double_byte: bool = False

    @property
    def image_mode(self) -> bool:
        return self.codepage is None


_58 = (58, 32, 384)  # paper mm, columns, dots
_80 = (80, 48, 576)
_T88 = (80, 42, 512)  # Epson TM-T88III/IV/V: 512 dots at 180 dpi


def _text(name: str, model: str, size: tuple[int, int, int], native_qr: bool = True, qr_size: int = 6,
          chinese: bool = False) -> PrinterProfile:
    slot = slot_for(model, "cp1251")
    assert slot is not None, f"{model} has no CP1251"
    return PrinterProfile(name, model, *size, codepage="cp1251", codepage_slot=slot, native_qr=native_qr,
                          qr_size=qr_size, cancel_double_byte=chinese)


def _image(name: str, model: str, size: tuple[int, int, int]) -> PrinterProfile:
    return PrinterProfile(name, model, *size, codepage=None, codepage_slot=None, native_qr=False)


BUILT_IN: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        _text("epson-80", "TM-T20II", _80),  # TM-T20/T20II/T20III, TM-T82, TM-m30: 576 dots
        _text("epson-t88v", "TM-T88V", _T88),
        _image("epson-t88iv", "TM-T88IV", _T88),  # and TM-T88III: no Cyrillic code page with І Ї Є Ґ
        _text("epson-58", "TM-T20II", _58, qr_size=5),  # Epson 58 mm models share the TM-T20 table
        _text("pos-5890", "POS-5890", _58, native_qr=False, qr_size=5, chinese=True),
        _text("xprinter-80", "NT-80-V-UL", _80, chinese=True),  # Xprinter, Netum and the like
        _text("star-escpos-80", "TSP600", _80),  # Star TSP100/650 in ESC/POS mode
        _text("rp326-80", "RP326", _80, chinese=True),  # Rongta
        _text("kr306-80", "KR-306", _80, chinese=True),  # Kefar
        _image("image-58", "default", _58),
        _image("image-80", "default", _80),
    )
}
# Names that once existed, with why they are gone, so an old kiosk config fails with a reason.
RETIRED = {"ocd-80": "OCD-100/300 in python-escpos's table are customer displays, not printers; "
                     "choose the printer's own profile (epson-80, xprinter-80, ...) or image-80"}


class ProfileError(ValueError):
    pass


def profile_from_config(data: dict[str, Any]) -> PrinterProfile:
    """`{"profile": "epson-80", "codepage": "cp1125"}`: a built-in profile with overrides, checked.

    Overriding the code page alone takes that code page's slot on the profile's model; a slot given
    with it must be the one that model's table has for it.
    """
    base_name = data.get("profile", "epson-80")
    if base_name in RETIRED:
        raise ProfileError(f"printer profile {base_name!r} was removed: {RETIRED[base_name]}")
    if base_name not in BUILT_IN:
        raise ProfileError(f"unknown printer profile {base_name!r}; known: {', '.join(sorted(BUILT_IN))}")
    overrides = {k: v for k, v in data.items() if k != "profile"}
    if isinstance(overrides.get("codepage"), str) and overrides["codepage"].lower() == "none":
        overrides["codepage"] = None  # TOML has no null: `codepage = "none"` is image mode
    known = {f.name for f in dataclasses.fields(PrinterProfile)} - {"name"}
    unknown = set(overrides) - known
    if unknown:
        raise ProfileError(f"unknown printer settings: {', '.join(sorted(unknown))}")
    base = BUILT_IN[base_name]
    model = overrides.get("model", base.model)
    if model not in _capabilities():
        raise ProfileError(f"unknown printer model {model!r} (python-escpos capability profiles: "
                           f"{', '.join(sorted(_capabilities()))})")
    if "codepage" in overrides and overrides["codepage"] is not None and "codepage_slot" not in overrides:
        overrides["codepage_slot"] = slot_for(model, str(overrides["codepage"]))
        if overrides["codepage_slot"] is None:
            raise ProfileError(f"{model} has no {overrides['codepage']} code page; use image mode "
                               "(codepage = none)")
    if overrides.get("codepage", base.codepage) is None:
        overrides["codepage_slot"] = None
    profile = dataclasses.replace(base, **overrides)
    _check(profile)
    return profile


def _check(profile: PrinterProfile) -> None:
    for name in ("columns", "dots", "paper_mm", "qr_size"):
        value = getattr(profile, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ProfileError(f"{name} must be a positive whole number")
    if profile.codepage is None:
        return
    if profile.codepage not in CODEPAGES:
        raise ProfileError(f"code page must be one of {CODEPAGES} or none (image mode)")
    slot = profile.codepage_slot
    if not (isinstance(slot, int) and not isinstance(slot, bool) and 0 <= slot <= 255):
        raise ProfileError("a code page needs its ESC t slot (0-255) for this printer model")
    table = model_codepages(profile.model)
    if table.get(slot) != profile.codepage:
        right = slot_for(profile.model, profile.codepage)
        there = f"slot {slot} is {table[slot].upper()}" if slot in table else f"slot {slot} is not in its table"
        fix = f"{profile.codepage.upper()} is slot {right}" if right is not None else \
            f"it has no {profile.codepage.upper()}: use image mode"
        raise ProfileError(f"on {profile.model} {there}; {fix} (python-escpos capability data)")


def _value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("none", "null", ""):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered.isdigit():
        return int(lowered)
    return text.strip()


def load_profile(spec: str) -> PrinterProfile:
    """The kiosk's `--profile`: a built-in name (`pos-5890`), a name with overrides
    (`epson-80,codepage=cp1125`), or a TOML or JSON file holding `profile = "..."` and overrides."""
    path = Path(spec)
    if spec.endswith((".toml", ".json")):
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if spec.endswith(".toml") else json.loads(text)
        except (OSError, ValueError) as exc:
            raise ProfileError(f"cannot read printer profile file {spec}: {exc}") from None
        if not isinstance(data, dict):
            raise ProfileError(f"{spec}: expected a table of printer settings")
        return profile_from_config(data)
    name, *pairs = spec.split(",")
    data = {"profile": name.strip()}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ProfileError(f"cannot read {pair!r}: overrides are key=value (e.g. codepage=cp1125)")
        data[key.strip()] = _value(value)
    return profile_from_config(data)
