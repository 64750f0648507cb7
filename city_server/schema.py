"""The city's PostgreSQL schema, in numbered steps (`city_schema.version` remembers the last one applied).

- `events`: every branch's log, partitioned by month of the business day (declarative partitioning; a month's
  partition is created when its first event arrives, `ensure_month`). Its key is (branch, seq, day) because a
  partitioned table's key must hold the partition column; (branch, seq) is kept unique by the ingest itself,
  which holds the branch's row lock while it looks (ingest.py).
- `branches`: each branch's hashed token, the highest contiguous seq held (`acked`), its hall definition (to
  replay its days the way the branch does) and its latest live summary.
- `daily`: the report aggregates per branch × day × service, recomputed from a day's events whenever they
  change (`dirty_days` lists which; aggregates.py).
- `config_versions`: the catalogues the city published, numbered from 1, never changed (config_store.py);
  `branches` NULL means every branch.
- `hourly`, `wait_minutes`, `feedback_daily` (step 3): what the city's reports read (city_server/reports.py),
  written by the aggregator from the same replay as `daily`: arrivals, served and waits per branch × day ×
  hour × service; how many waits lasted each whole minute per branch × day × service (the 90th percentile
  of a range); feedback answers per branch × day × service. Days reported before step 3 are marked dirty
  by it, so they get these figures too.
Never edit a released step: add the next one.
"""

from __future__ import annotations

from datetime import date

import asyncpg

STEPS: list[str] = [
    """
    CREATE TABLE branches (
        name text PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        created timestamptz NOT NULL,
        revoked boolean NOT NULL DEFAULT false,
        acked bigint NOT NULL DEFAULT 0,
        hall jsonb,
        hall_received timestamptz,
        summary jsonb,
        summary_received timestamptz
    );
    CREATE TABLE staff_tokens (
        token_hash text PRIMARY KEY,
        name text NOT NULL,
        created timestamptz NOT NULL,
        revoked boolean NOT NULL DEFAULT false
    );
    CREATE TABLE events (
        branch text NOT NULL REFERENCES branches (name),
        seq bigint NOT NULL,
        day date NOT NULL,
        at timestamptz NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL,
        PRIMARY KEY (branch, seq, day)
    ) PARTITION BY RANGE (day);
    CREATE INDEX events_branch_seq ON events (branch, seq);
    CREATE INDEX events_branch_day ON events (branch, day);
    CREATE TABLE dirty_days (
        branch text NOT NULL,
        day date NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        PRIMARY KEY (branch, day)
    );
    CREATE TABLE daily (
        branch text NOT NULL,
        day date NOT NULL,
        service_id text NOT NULL,
        visits integer NOT NULL,
        served integer NOT NULL,
        no_shows integer NOT NULL,
        cancelled integer NOT NULL,
        wait_seconds_sum double precision NOT NULL,
        wait_count integer NOT NULL,
        sla_met integer NOT NULL,
        PRIMARY KEY (branch, day, service_id)
    );
    """,
    # Configuration from the city (config_store.py): published catalogue versions, immutable once written.
    """
    CREATE TABLE config_versions (
        version integer PRIMARY KEY,
        published timestamptz NOT NULL,
        published_by text NOT NULL,
        branches text[],
        note text NOT NULL DEFAULT '',
        catalogue jsonb NOT NULL
    );
    """,
    # The reports' aggregates (reports_figures.py), written with `daily` from the same replay.
    """
    CREATE TABLE hourly (
        branch text NOT NULL,
        day date NOT NULL,
        hour smallint NOT NULL,
        service_id text NOT NULL,
        arrivals integer NOT NULL,
        served integer NOT NULL,
        wait_seconds_sum double precision NOT NULL,
        wait_count integer NOT NULL,
        PRIMARY KEY (branch, day, hour, service_id)
    );
    CREATE INDEX hourly_day ON hourly (day);
    CREATE TABLE wait_minutes (
        branch text NOT NULL,
        day date NOT NULL,
        service_id text NOT NULL,
        minute smallint NOT NULL,
        waits integer NOT NULL,
        PRIMARY KEY (branch, day, service_id, minute)
    );
    CREATE INDEX wait_minutes_day ON wait_minutes (day);
    CREATE TABLE feedback_daily (
        branch text NOT NULL,
        day date NOT NULL,
        service_id text NOT NULL,
        answers integer NOT NULL,
        good integer NOT NULL,
        PRIMARY KEY (branch, day, service_id)
    );
    CREATE INDEX daily_day ON daily (day);
    INSERT INTO dirty_days (branch, day) SELECT DISTINCT branch, day FROM daily
        ON CONFLICT (branch, day) DO UPDATE SET version = dirty_days.version + 1;
    """,
]


async def migrate(conn: asyncpg.Connection) -> int:
    async with conn.transaction():
        # One migrator at a time, even with two city servers started together.
        await conn.execute("SELECT pg_advisory_xact_lock(7301)")
        await conn.execute("CREATE TABLE IF NOT EXISTS city_schema (version integer NOT NULL)")
        version = await conn.fetchval("SELECT version FROM city_schema")
        if version is None:
            await conn.execute("INSERT INTO city_schema VALUES (0)")
            version = 0
        for number, step in enumerate(STEPS, start=1):
            if number > version:
                await conn.execute(step)
                await conn.execute("UPDATE city_schema SET version = $1", number)
    return len(STEPS)


FIRST_MONTH = date(2000, 1, 1)
LAST_MONTH = date(2099, 12, 1)


def partition_name(month: date) -> str:
    return f"events_{month.year:04d}_{month.month:02d}"


async def ensure_month(conn: asyncpg.Connection, month: date) -> None:
    """Create the partition for `month` (its first day) if it does not exist. The name and bounds are built
    from a date, never from input text."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(7302)")  # two creators of one month would collide
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {partition_name(month)} PARTITION OF events "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')")
