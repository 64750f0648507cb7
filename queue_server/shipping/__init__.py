"""Shipping a branch's event log to the city server (docs/city.md).

The branch stays authoritative: its SQLite log is written exactly as without a city, and the shipper only
reads it, on its own connection and thread, and sends it on in order. Nothing here is imported unless the
hall file has a `[city]` table: a single hall runs without it (and without PostgreSQL).
"""
