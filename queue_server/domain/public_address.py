"""The centre's public address: what a visitor's phone opens from a ticket's QR or a booking's link.

A kiosk reaches the server at a LAN (or loopback) address; a visitor's phone on mobile data cannot. So
`[centre] public_url` names the address of the reverse proxy in front of the server (docs/deployment.md), and
`cherha check-config` says when the links a hall prints would carry an address a phone cannot open.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class AddressError(ValueError):
    """`public_url` is not an address a link can be made from."""


def normalise(url: str) -> str:
    """`https://cnap.example.ua/` -> `https://cnap.example.ua`; an error for anything that is not http(s)
    with a host, or that carries a query, a fragment or credentials (nothing may follow the link's path)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressError(f"expected an address like \"https://cnap.example.ua\", got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise AddressError(f"the address must not carry a query, a fragment or a user name: {url!r}")
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError as exc:
        raise AddressError(f"bad port in {url!r}: {exc}") from None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def reach(url: str) -> str:
    """Who can open `url`: "relative" (no host: the kiosk's own server address is used), "loopback" (this
    machine only), "lan" (the centre's network only), or "public"."""
    host = urlsplit(url).hostname
    if not host:
        return "relative"
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A single-label name, or a name in a suffix reserved for local networks (RFC 6762, 8375, ICANN).
        if "." not in host or host.rsplit(".", 1)[1] in ("local", "lan", "home", "internal", "intranet", "corp",
                                                          "arpa"):
            return "lan"
        return "public"
    if address.is_loopback or address.is_unspecified:
        return "loopback"
    if address.is_private or address.is_link_local or address.is_reserved:
        return "lan"
    return "public"
