"""Ticket printing: layout (pure), ESC/POS and image rendering, printer profiles, transports.

Knows nothing of the server: it is given a `TicketContent` and a printer config and makes paper.
"""
