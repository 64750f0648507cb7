"""A throw-away PostgreSQL server in a temporary directory, for the tests and the benchmarks (never production).

PostgreSQL is Debian's own server (`make test` and `make bench` install the `postgresql` package), started with
`initdb` and `pg_ctl` from /usr/lib/postgresql/<version>/bin, listening on 127.0.0.1 and a socket in its
directory. `initdb` refuses to run as root, so under root (containers, CI) every PostgreSQL program runs through
`runuser -u postgres` — the system user the Debian package creates — and the directory is handed to it.
`fsync=off`: the tests and benchmarks kill branch servers, never the database, and this keeps them fast.
PostgreSQL keeps the machine's real clock in the suite's moved-date pass (`real_clock_env`).

`initdb` is the slow part of a start (most of it on a busy machine), and its result depends only on the
PostgreSQL version and the options below: it runs once per machine into a template directory under the
system's temporary directory (made under another name, then renamed into place, so two sessions starting
together never see half of one), and every server starts on a copy of it.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg

PG_USER = "postgres"  # the Debian package's system user, for running PostgreSQL under root
INITDB_OPTIONS = ("-U", "cherha", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")


def real_clock_env() -> dict[str, str]:
    """The environment without libfaketime: PostgreSQL runs on the machine's real clock even in the suite's
    moved-date pass. Nothing of ours asks the database the time (every timestamp comes from an injected clock),
    so this hides no dependency of our code on the date; under libfaketime PostgreSQL is six times slower."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


class Postgres:
    """One PostgreSQL server on `port`; each user gets a database of its own (`new_database`)."""

    def __init__(self, port: int, max_connections: int = 60) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="cherha-pg-"))
        self.data = self.dir / "data"
        self.port, self.max_connections = port, max_connections
        self.as_user = ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        # No `timeout=`: under libfaketime (the suite's second pass) subprocess's timed wait can fail with
        # EINVAL from time.sleep; pg_ctl bounds its own waits (-t).
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, env=real_clock_env())

    def _own(self, folder: Path) -> None:
        if self.as_user:
            shutil.chown(folder, PG_USER)
            folder.chmod(0o700)

    def _template(self) -> Path:
        """An initdb'd data directory for this version and these options, made once (see the module's note)."""
        key = hashlib.sha256(" ".join((str(self.bin), *INITDB_OPTIONS)).encode()).hexdigest()[:12]
        template = Path(tempfile.gettempdir()) / f"cherha-pg-template-{os.geteuid()}-{key}"
        if not (template / "PG_VERSION").exists():
            scratch = Path(tempfile.mkdtemp(prefix="cherha-pg-initdb-"))
            try:
                self._own(scratch)
                self._run(str(self.bin / "initdb"), "-D", str(scratch / "data"), *INITDB_OPTIONS)
                with contextlib.suppress(OSError):  # another session put its own in place first: as good
                    os.rename(scratch / "data", template)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        return template

    def start(self) -> Postgres:
        self._own(self.dir)
        self._run("cp", "-a", str(self._template()), str(self.data))
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c full_page_writes=off -c max_connections={self.max_connections}")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "postgres.log"),
                  "-o", options, "-w", "-t", "60", "start")
        return self

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://cherha@127.0.0.1:{self.port}/{database}"

    async def new_database(self) -> str:
        name = f"city_{next(self._names)}"
        conn = await asyncpg.connect(self.dsn())
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        return self.dsn(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
