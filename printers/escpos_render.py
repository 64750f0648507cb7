"""Blocks -> ESC/POS bytes through python-escpos, with one forced code page.

Everything goes through a Dummy printer and comes out as bytes; a transport then sends the bytes. So the
bytes tested byte-for-byte are exactly the bytes a real printer gets, whatever the transport.
"""

from __future__ import annotations

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from .image_render import qr_image, render_image
from .layout import Block, Cut, Feed, Line, QrCode
from .profiles import PrinterProfile
from .text_encoding import encode

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INIT = ESC + b"@"
CANCEL_DOUBLE_BYTE = FS + b"."  # Chinese firmware: leave GB18030 mode, or Cyrillic bytes pair into hanzi


def render_escpos(blocks: list[Block], profile: PrinterProfile) -> bytes:
    printer = Dummy()
    # python-escpos checks images against the profile's paper width; give it this model's width.
    data = dict(printer.profile.profile_data)
    data["media"] = {"width": {"mm": profile.paper_mm, "pixels": profile.dots}}
    printer.profile.profile_data = data
    printer._raw(INIT)
    if profile.cancel_double_byte:
        printer._raw(CANCEL_DOUBLE_BYTE)
    if profile.image_mode:
        printer.image(render_image(blocks, profile), impl="bitImageRaster")
        if any(isinstance(b, Cut) for b in blocks):
            printer.cut()
        return bytes(printer.output)
    assert profile.codepage is not None and profile.codepage_slot is not None
    # Select the code page once; never the library's automatic switching.
    printer._raw(ESC + b"t" + bytes([profile.codepage_slot]))
    for block in blocks:
        if isinstance(block, Line):
            if block.size > 1:
                printer.set(align=block.align, bold=block.bold, custom_size=True, width=block.size,
                            height=block.size)
            else:
                printer.set(align=block.align, bold=block.bold, normal_textsize=True)
            printer._raw(encode(block.text, profile.codepage) + b"\n")
        elif isinstance(block, QrCode):
            printer.set(align="center", normal_textsize=True)
            if profile.native_qr:
                # Error correction M (15 %), not the library's L (7 %): a creased or scuffed thermal
                # ticket still scans; the link is short, so the code grows by a few modules only.
                printer.qr(block.payload, ec=QR_ECLEVEL_M, size=profile.qr_size, native=True)
                printer._raw(b"\n")
            else:
                # Not printer.qr(native=False): it writes its line feeds through the library's text
                # encoder, which sends ESC t 0 and leaves the printer in CP437 for the rest of the ticket.
                printer.image(qr_image(block.payload, profile.dots // 2), impl="bitImageRaster", center=True)
                printer._raw(b"\n")
        elif isinstance(block, Feed):
            printer._raw(b"\n" * block.lines)
        elif isinstance(block, Cut):
            printer.cut()
    return bytes(printer.output)
