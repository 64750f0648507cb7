"""A small ESC/POS reader for tests: bytes -> printed lines, QR payloads, raster images, cuts.

No such parser exists on PyPI. It knows the commands Cherha sends and fails loudly on anything else, so
a stray command in the output breaks a test instead of passing unseen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

ESC, GS, FS, DLE, LF = 0x1B, 0x1D, 0x1C, 0x10, 0x0A


@dataclass
class PrintedLine:
    text: str
    align: str
    width: int
    height: int
    bold: bool


@dataclass
class Printout:
    lines: list[PrintedLine] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)
    codepage_slots: list[int] = field(default_factory=list)
    cuts: int = 0
    double_byte_cancelled: bool = False  # FS . seen (Chinese firmware leaves GB18030 mode)
    qr_error_levels: list[str] = field(default_factory=list)  # "L" "M" "Q" "H", per native QR code
    status_queries: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class UnknownCommand(ValueError):
    pass


def read(data: bytes, codecs: dict[int, str]) -> Printout:
    """`codecs` maps an ESC t slot to the Python codec it selects on the printer being imitated."""
    out = Printout()
    codec = "ascii"
    align, width, height, bold = "left", 1, 1, False
    text = bytearray()
    i = 0

    def flush() -> None:
        out.lines.append(PrintedLine(text.decode(codec), align, width, height, bold))
        text.clear()

    while i < len(data):
        byte = data[i]
        if byte == LF:
            flush()
            i += 1
        elif byte == ESC:
            cmd = data[i + 1]
            if cmd == ord("@"):
                align, width, height, bold, codec = "left", 1, 1, False, "ascii"
                i += 2
            elif cmd == ord("t"):
                slot = data[i + 2]
                if slot not in codecs:
                    raise UnknownCommand(f"ESC t {slot}: a code page this printer does not have")
                codec = codecs[slot]
                out.codepage_slots.append(slot)
                i += 3
            elif cmd == ord("!"):
                mode = data[i + 2]
                bold = bool(mode & 0x08)
                width, height = (2 if mode & 0x20 else 1), (2 if mode & 0x10 else 1)
                i += 3
            elif cmd == ord("E"):
                bold = bool(data[i + 2])
                i += 3
            elif cmd == ord("a"):
                align = {0: "left", 1: "center", 2: "right"}[data[i + 2] % 48 if data[i + 2] >= 48 else data[i + 2]]
                i += 3
            elif cmd == ord("d"):
                out.lines.extend(PrintedLine("", align, width, height, bold) for _ in range(data[i + 2]))
                i += 3
            else:
                raise UnknownCommand(f"ESC {cmd:#x} at {i}")
        elif byte == GS:
            cmd = data[i + 1]
            if cmd == ord("!"):
                size = data[i + 2]
                width, height = (size >> 4) + 1, (size & 0x0F) + 1
                i += 3
            elif cmd == ord("(") and data[i + 2] == ord("k"):
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5: i + 5 + length]
                if body[0] == 49 and body[1] == 80:  # cn=49 ('1', QR), fn=80: store the data
                    out.qr_payloads.append(body[3:].decode("utf-8"))
                elif body[0] == 49 and body[1] == 69:  # fn=69: error correction level, n = 48..51
                    out.qr_error_levels.append("LMQH"[body[2] - 48])
                i += 5 + length
            elif cmd == ord("v") and data[i + 2] == ord("0"):
                width_bytes = data[i + 4] + 256 * data[i + 5]
                rows = data[i + 6] + 256 * data[i + 7]
                start = i + 8
                bits = data[start: start + width_bytes * rows]
                # ESC/POS raster: 1 = black; PIL mode "1" raw: 1 = white. Invert while loading.
                image = Image.frombytes("1", (width_bytes * 8, rows), bytes(b ^ 0xFF for b in bits))
                out.images.append(image)
                i = start + width_bytes * rows
            elif cmd == ord("V"):
                out.cuts += 1
                i += 4 if data[i + 2] in (65, 66) else 3
            else:
                raise UnknownCommand(f"GS {cmd:#x} at {i}")
        elif byte == FS and data[i + 1] == ord("."):
            out.double_byte_cancelled = True
            i += 2
        elif byte == DLE and data[i + 1] == 0x04:
            out.status_queries.append(data[i + 2])
            i += 3
        elif byte < 0x20:
            raise UnknownCommand(f"control byte {byte:#x} at {i}")
        else:
            text.append(byte)
            i += 1
    if text:
        flush()
    return out


def stitch(images: list[Image.Image]) -> Image.Image:
    """Raster images are sent in fragments (python-escpos splits tall ones): put them back together."""
    width = max(image.width for image in images)
    sheet = Image.new("1", (width, sum(image.height for image in images)), 1)
    y = 0
    for image in images:
        sheet.paste(image, (0, y))
        y += image.height
    return sheet
