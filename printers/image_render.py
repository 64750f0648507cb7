"""Blocks -> a black-and-white image: for printers without a Cyrillic code page, and for docs/.

DejaVu Sans (Debian fonts-dejavu-core) has every Ukrainian letter. A line that would not fit the paper is
drawn smaller, never clipped.
"""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .layout import Block, Cut, Feed, Line, QrCode
from .profiles import PrinterProfile

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
LINE_HEIGHT = 30  # dots for a size-1 line (font A is 24 dots high, plus spacing)
MARGIN = 8


class FontMissing(RuntimeError):
    pass


def _font_path(bold: bool) -> Path:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return folder / name
    raise FontMissing(f"{name} not found: install the Debian package fonts-dejavu-core")


def font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_font_path(bold)), size_px)


def qr_image(payload: str, width: int) -> Image.Image:
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    modules = code.modules_count + 4
    box = max(2, width // modules)
    code.box_size = box
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("1")


def render_image(blocks: list[Block], profile: PrinterProfile) -> Image.Image:
    """Everything up to the first Cut, as a 1-bit image `profile.dots` wide."""
    width = profile.dots
    pieces: list[Image.Image] = []
    for block in blocks:
        if isinstance(block, Cut):
            break
        if isinstance(block, Feed):
            pieces.append(Image.new("1", (width, LINE_HEIGHT * block.lines // 2), 1))
        elif isinstance(block, QrCode):
            code = qr_image(block.payload, width * 2 // 3)
            row = Image.new("1", (width, code.height + 8), 1)
            row.paste(code, ((width - code.width) // 2, 4))
            pieces.append(row)
        elif isinstance(block, Line):
            pieces.append(_line_image(block, width))
    height = sum(p.height for p in pieces) + 2 * MARGIN
    sheet = Image.new("1", (width, height), 1)
    y = MARGIN
    for piece in pieces:
        sheet.paste(piece, (0, y))
        y += piece.height
    return sheet


def _line_image(line: Line, width: int) -> Image.Image:
    size_px = 22 * line.size
    face = font(size_px, line.bold)
    usable = width - 2 * MARGIN
    while face.getlength(line.text) > usable and size_px > 10:
        size_px -= 1
        face = font(size_px, line.bold)
    height = LINE_HEIGHT * line.size if size_px == 22 * line.size else int(size_px * 1.35)
    row = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(row)
    text_width = face.getlength(line.text)
    x = (width - text_width) / 2 if line.align == "center" else MARGIN
    draw.text((x, (height - size_px) / 2), line.text, font=face, fill=0)
    return row
