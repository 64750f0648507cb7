"""Durable storage: the event log, command results for idempotency, device tokens (SQLite)."""

from .event_store import EventRecord, EventStore, StoredCommand

__all__ = ["EventRecord", "EventStore", "StoredCommand"]
