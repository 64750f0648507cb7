"""Durable storage: the event log, command results for idempotency, device tokens (SQLite)."""

from .event_store import EventRecord, EventStore, StoredCommand
from .integrity import StoreIntegrityError
from .migrations import MigrationError

__all__ = ["EventRecord", "EventStore", "MigrationError", "StoreIntegrityError", "StoredCommand"]
