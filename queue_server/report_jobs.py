"""What a report worker is asked to compute: made by the server (report_processes.py), pickled to the worker,
done there (report_worker.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .domain.hall import Hall

# Workers run below the hall's server in the CPU's queue: on a busy machine the kiosks and boards come first,
# and an export takes what is left (on an idle one, all of a core).
NICENESS = 10

Kind = Literal["report", "comments", "csv", "xlsx"]


@dataclass(frozen=True)
class Job:
    """What a worker is to compute (pickled to it): report_worker.py does it."""

    kind: Kind
    path: str  # the store
    hall: Hall
    first: str
    last: str
    now: datetime
    offset: int = 0  # comments: the page
    limit: int = 0
