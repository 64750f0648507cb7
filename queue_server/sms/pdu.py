"""SMS-SUBMIT PDUs in UCS-2 (Cyrillic needs it), split into concatenated parts when long; status reports.

Pure functions over hex strings, as the modem takes and gives them in PDU mode (AT+CMGF=0).
"""

from __future__ import annotations

from dataclasses import dataclass

UCS2_SINGLE, UCS2_PART = 70, 67  # characters per SMS, alone or as one part of a concatenated message


def _semi_octets(digits: str) -> str:
    if len(digits) % 2:
        digits += "F"
    return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))


def split(text: str) -> list[str]:
    if len(text) <= UCS2_SINGLE:
        return [text]
    return [text[i:i + UCS2_PART] for i in range(0, len(text), UCS2_PART)]


@dataclass(frozen=True)
class Pdu:
    hex: str
    tpdu_length: int  # what AT+CMGS= wants: the octets after the (empty) service-centre field


def submit_pdus(phone: str, text: str, reference: int = 0) -> list[Pdu]:
    """One PDU per part, each asking for a delivery report. `phone` is international: +380XXXXXXXXX."""
    digits = phone.lstrip("+")
    parts = split(text)
    out = []
    for index, part in enumerate(parts, start=1):
        body = part.encode("utf-16-be")
        first_octet = 0x31  # SMS-SUBMIT, relative validity, status report requested
        header = b""
        if len(parts) > 1:
            first_octet |= 0x40  # user data header present
            header = bytes([5, 0, 3, reference & 0xFF, len(parts), index])
        user_data = header + body
        tpdu = (f"{first_octet:02X}00{len(digits):02X}91{_semi_octets(digits)}"
                f"0008AA{len(user_data):02X}{user_data.hex().upper()}")
        out.append(Pdu("00" + tpdu, len(tpdu) // 2))
    return out


@dataclass(frozen=True)
class StatusReport:
    reference: int
    delivered: bool
    status: int


def parse_status_report(pdu_hex: str) -> StatusReport:
    """SMS-STATUS-REPORT (from +CDS): message reference and status (0x00-0x1F: delivered)."""
    data = bytes.fromhex(pdu_hex)
    sca_length = data[0]
    i = 1 + sca_length
    i += 1  # first octet
    reference = data[i]
    i += 1
    address_digits = data[i]
    i += 2 + (address_digits + 1) // 2  # length, type, semi-octets
    i += 7 + 7  # service-centre time stamp, discharge time
    status = data[i]
    return StatusReport(reference, status < 0x20, status)
