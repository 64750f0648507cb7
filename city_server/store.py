"""Everything the city keeps, in PostgreSQL through one asyncpg pool: ingest, positions, halls, summaries,
tokens. SQL is written here only, always with parameters (a partition's name is built from a date)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from queue_server.passwords import new_token, token_hash

from .batch import Incoming
from .errors import CityError
from .schema import ensure_month, migrate

# What the live view shows of a branch: its latest summary, when it came, and the centre's name from its hall.
LIVE_COLUMNS = ("name, acked, summary, summary_received, "
                "hall->'centre'->>'name_uk' AS name_uk, hall->'centre'->>'name_en' AS name_en")
ADVANCE_PAGE = 5000  # rows read at a time while looking for the end of the contiguous run


@dataclass(frozen=True)
class Principal:
    kind: str  # "branch" or "staff"
    name: str


class CityStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._months: set[date] = set()  # partitions known to exist

    @classmethod
    async def open(cls, dsn: str, min_size: int = 1, max_size: int = 10) -> CityStore:
        pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
        assert pool is not None
        async with pool.acquire() as conn:
            await migrate(conn)
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    # -- credentials ----------------------------------------------------------------------------
    async def add_branch(self, name: str, now: datetime) -> str:
        """A new branch and its token (shown once; only its hash is kept). Re-adding a name issues a new
        token and revokes the old one."""
        token = new_token()
        await self.pool.execute(
            "INSERT INTO branches (name, token_hash, created) VALUES ($1, $2, $3) "
            "ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, revoked = false",
            name, token_hash(token), now)
        return token

    async def revoke_branch(self, name: str) -> bool:
        status: str = await self.pool.execute("UPDATE branches SET revoked = true WHERE name = $1", name)
        return status != "UPDATE 0"

    async def add_staff(self, name: str, now: datetime) -> str:
        token = new_token()
        await self.pool.execute("INSERT INTO staff_tokens (token_hash, name, created) VALUES ($1, $2, $3)",
                                token_hash(token), name, now)
        return token

    async def principal(self, token: str) -> Principal | None:
        """Who holds `token`: one index probe, whoever asks (a guessed token costs no more)."""
        digest = token_hash(token)
        row = await self.pool.fetchrow(
            "SELECT 'branch' AS kind, name FROM branches WHERE token_hash = $1 AND NOT revoked "
            "UNION ALL SELECT 'staff', name FROM staff_tokens WHERE token_hash = $1 AND NOT revoked", digest)
        return Principal(row["kind"], row["name"]) if row else None

    # -- the log --------------------------------------------------------------------------------
    async def acked(self, branch: str) -> int:
        return int(await self.pool.fetchval("SELECT acked FROM branches WHERE name = $1", branch))

    async def position(self, branch: str) -> tuple[int, bool]:
        """What the city holds of a branch, and whether it has the branch's hall (to report its days)."""
        row = await self.pool.fetchrow("SELECT acked, hall IS NOT NULL AS known FROM branches WHERE name = $1", branch)
        return int(row["acked"]), bool(row["known"])

    async def ingest(self, branch: str, events: list[Incoming]) -> tuple[int, int]:
        """Insert what the city lacks of `events`; (the highest contiguous seq now held, events inserted).

        The branch's row is locked for the transaction, so two copies of one batch (a retry racing a delayed
        original) are taken one after the other: the second finds everything and changes nothing."""
        async with self.pool.acquire() as conn:
            for month in sorted({e.day.replace(day=1) for e in events} - self._months):
                await ensure_month(conn, month)
                self._months.add(month)
            async with conn.transaction():
                acked = int(await conn.fetchval("SELECT acked FROM branches WHERE name = $1 FOR UPDATE", branch))
                held = {row["seq"]: (row["at"], row["type"]) for row in await conn.fetch(
                    "SELECT seq, at, type FROM events WHERE branch = $1 AND seq BETWEEN $2 AND $3",
                    branch, events[0].seq, events[-1].seq)}
                for event in events:
                    if event.seq in held and held[event.seq] != (event.at, event.type):
                        raise CityError(409, "seq_conflict", seq=event.seq)
                new = [e for e in events if e.seq not in held]
                inserted = 0
                if new:
                    status = await conn.execute(
                        "INSERT INTO events (branch, seq, day, at, type, payload) "
                        "SELECT $1, s, d, a, t, p::jsonb FROM unnest($2::bigint[], $3::date[], $4::timestamptz[], "
                        "$5::text[], $6::text[]) AS u(s, d, a, t, p) ON CONFLICT DO NOTHING",
                        branch, [e.seq for e in new], [e.day for e in new], [e.at for e in new],
                        [e.type for e in new], [e.payload for e in new])
                    inserted = int(status.rsplit(" ", 1)[1])
                reached = await _contiguous_end(conn, branch, acked)
                if reached > acked:
                    await conn.execute("UPDATE branches SET acked = $2 WHERE name = $1", branch, reached)
                    # The days that just became whole (or grew) are reported again (aggregates.py).
                    await conn.execute(
                        "INSERT INTO dirty_days (branch, day) SELECT DISTINCT branch, day FROM events "
                        "WHERE branch = $1 AND seq > $2 AND seq <= $3 "
                        "ON CONFLICT (branch, day) DO UPDATE SET version = dirty_days.version + 1",
                        branch, acked, reached)
                return reached, inserted

    # -- the branch's hall and live summary -----------------------------------------------------
    async def put_hall(self, branch: str, hall: dict[str, Any], now: datetime) -> None:
        await self.pool.execute("UPDATE branches SET hall = $2::jsonb, hall_received = $3 WHERE name = $1",
                                branch, json.dumps(hall, ensure_ascii=False), now)
        # Days that waited for a hall (dirty_days keeps them) are reported by the next aggregation round; days
        # already reported keep the hall they were reported with, as the branch's own reports of them did.

    async def put_summary(self, branch: str, summary: dict[str, Any], now: datetime) -> None:
        await self.pool.execute(
            "UPDATE branches SET summary = $2::jsonb, summary_received = $3 WHERE name = $1",
            branch, json.dumps(summary, ensure_ascii=False), now)

    async def branches(self) -> list[asyncpg.Record]:
        return list(await self.pool.fetch(f"SELECT {LIVE_COLUMNS} FROM branches WHERE NOT revoked ORDER BY name"))

    async def branch(self, name: str) -> asyncpg.Record | None:
        """One branch's live row (as `branches`), for the live page when its summary arrives."""
        row: asyncpg.Record | None = await self.pool.fetchrow(
            f"SELECT {LIVE_COLUMNS} FROM branches WHERE name = $1 AND NOT revoked", name)
        return row

    async def daily(self, day: date) -> list[asyncpg.Record]:
        return list(await self.pool.fetch(
            "SELECT * FROM daily WHERE day = $1 ORDER BY branch, service_id", day))


async def _contiguous_end(conn: asyncpg.Connection, branch: str, acked: int) -> int:
    """The highest seq held with none missing from 1 to it: a batch lost in between stops it at the gap."""
    reached = acked
    while True:
        rows = await conn.fetch("SELECT seq FROM events WHERE branch = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                                branch, reached, ADVANCE_PAGE)
        for row in rows:
            if row["seq"] != reached + 1:
                return reached
            reached += 1
        if len(rows) < ADVANCE_PAGE:
            return reached
