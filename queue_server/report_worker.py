"""What a report worker does: one report, page of comments or export, computed in a process of its own.

The server starts a worker per request (report_processes.py) and reads what it writes to a pipe. The worker
opens the store read-only on a connection of its own (WAL: it sees every committed event and never holds
up a write), computes with queue_server/history.py, and writes its answer to the pipe as it goes: the JSON
of a report or of a page of comments, or the bytes of a CSV or an XLSX export. A full pipe makes it wait for
the download, so neither side holds more than a few chunks whatever the range. Its exit status says whether
the answer is whole (0) or not (anything else: the traceback is on its standard error, the server's log).
"""

from __future__ import annotations

import json
import os
import sqlite3
from multiprocessing.connection import Connection
from typing import IO, Any

from sqlite_utils import Database

from . import history
from .exports import csv_chunks, write_xlsx
from .report_jobs import NICENESS, Job
from .reports import visit_row

WRITE_BUFFER = 64 * 1024  # bytes gathered before a write to the pipe


def open_read_only(path: str) -> Database:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA query_only=ON")  # a reader: a bug here cannot write
    return Database(conn)


def compute(job: Job, db: Database, out: IO[bytes]) -> None:
    """The job's answer, written to `out` as it is computed."""
    if job.kind == "report":
        report = history.paged(history.report(job.hall, db, job.first, job.last, job.now))
        out.write(_json({**report, "from": job.first, "to": job.last}))
    elif job.kind == "comments":
        comments = history.comments(job.hall, db, job.first, job.last, job.now)
        out.write(_json({"from": job.first, "to": job.last, "total": len(comments), "offset": job.offset,
                         "limit": job.limit, "comments": history.newest_first(comments, job.offset, job.limit)}))
    elif job.kind == "csv":
        for chunk in csv_chunks(visit_row(v) for v in history.visits(job.hall, db, job.first, job.last)):
            out.write(chunk)
    elif job.kind == "xlsx":
        names = {sid: s.name.uk for sid, s in job.hall.services.items()}
        report = history.report(job.hall, db, job.first, job.last, job.now)
        rows = (visit_row(v) for v in history.visits(job.hall, db, job.first, job.last))
        write_xlsx(out, report, rows, names)  # a zip written to a pipe: openpyxl streams it (no seeking)
    else:
        raise ValueError(job.kind)


def _json(data: Any) -> bytes:
    """Readable UTF-8, or all ASCII when a comment holds text UTF-8 cannot carry (as api/errors.py `dumps`)."""
    text = json.dumps(data, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data).encode("ascii")


def run(job: Job, pipe: Connection) -> None:
    """The worker process's body: the answer into `pipe`, then exit (0: the answer is whole)."""
    os.setpriority(os.PRIO_PROCESS, 0, NICENESS)  # as the fork server (set absolutely: it may not be niced)
    db = open_read_only(job.path)
    out = os.fdopen(pipe.fileno(), "wb", buffering=WRITE_BUFFER, closefd=False)
    try:
        compute(job, db, out)
        out.flush()
    except BrokenPipeError:  # the server stopped reading (its client went away): nothing more to do
        os._exit(3)
    db.close()
    pipe.close()
