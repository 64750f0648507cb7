"""The catch-up of stored report figures (`HallService.fill_day_figures`), in a process of its own.

After an upgrade (or a crash before an ended day's figures were written) every ended day without figures is
computed again from its events: a year's catch-up replays ~900,000 events, minutes of work for the interpreter.
In a thread of the server it would share the interpreter's lock with the event loop and the writer thread, so
every kiosk and board would wait on it; here it has an interpreter (and, on a two-core machine, a core) of its
own. It only reads: the server writes what it sends, on its writer thread, in one small transaction a batch.

The protocol, over the child's standard streams: the server writes one line, the base64 of a pickle of
(hall, now, database path, days per batch); the worker answers with one JSON line per batch, a list of
[day, figures JSON], and waits for the server's line "stored" before it computes the next batch (so it never
counts a day twice, and holds at most one batch). An empty list: nothing left; the worker ends.

    python -m queue_server.figures_worker     (started by the server, never by hand)
"""

from __future__ import annotations

import base64
import json
import pickle
import sys
from datetime import datetime

from sqlite_utils import Database

from . import history
from .domain.hall import Hall

STORED = "stored"


def job_line(hall: Hall, now: datetime, path: str, limit: int) -> bytes:
    """The server's first line to a worker."""
    return base64.b64encode(pickle.dumps((hall, now, path, limit))) + b"\n"


def main() -> int:
    hall, now, path, limit = pickle.loads(base64.b64decode(sys.stdin.buffer.readline()))
    db = Database(path)
    try:
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA query_only=ON")  # a reader: a bug here cannot write
        while True:
            rows = history.figures_to_store(hall, db, now, limit)
            sys.stdout.write(json.dumps(rows) + "\n")  # ASCII: whatever the locale's encoding of the pipe
            sys.stdout.flush()
            if not rows or sys.stdin.readline().strip() != STORED:  # done, or the server has gone
                return 0
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
