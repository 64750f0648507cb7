"""Configuration from the city, kept in PostgreSQL: published catalogue versions (immutable, numbered from 1)
and which version each branch should run. The SQL of this feature is here (store.py holds the rest)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from queue_server.shipping.protocol import VERSIONS_LISTED


@dataclass(frozen=True)
class Offered:
    """The version a branch should run (0: the city has published none for it) and, unless the branch already
    has that version, its document."""

    version: int
    published: datetime | None
    note: str
    catalogue: str | None  # JSON text, None when the branch said it has this version


async def publish(pool: asyncpg.Pool, catalogue: dict[str, Any], branches: list[str] | None, note: str,
                  by: str, now: datetime) -> int:
    """The next version, written once. Numbers are taken under a lock: two publications never share one."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(7303)")
        # Past every version a branch says it runs, too: a city restored from an older backup must not hand out
        # a number a branch already holds (the branch would take the new catalogue for the one it has).
        version = int(await conn.fetchval(
            "SELECT GREATEST((SELECT COALESCE(MAX(version), 0) FROM config_versions), "
            "(SELECT COALESCE(MAX(CASE WHEN v ~ '^[0-9]{1,9}$' THEN v::integer END), 0) "
            " FROM (SELECT summary->'config'->>'version' AS v FROM branches) AS said)) + 1"))
        await conn.execute(
            "INSERT INTO config_versions (version, published, published_by, branches, note, catalogue) "
            "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
            version, now, by, branches, note, json.dumps(catalogue, ensure_ascii=False))
    return version


async def unknown_branches(pool: asyncpg.Pool, names: list[str]) -> list[str]:
    known = {r["name"] for r in await pool.fetch(
        "SELECT name FROM branches WHERE name = ANY($1::text[]) AND NOT revoked", names)}
    return [name for name in names if name not in known]


async def offered(pool: asyncpg.Pool, branch: str, has: int | None) -> Offered:
    """The newest version published for every branch or naming this one; its document only when the branch
    does not have it already (`has`, from If-None-Match): an unchanged version costs one index walk."""
    row = await pool.fetchrow(
        "SELECT version, published, note, CASE WHEN version = $2 THEN NULL ELSE catalogue::text END AS catalogue "
        "FROM config_versions WHERE branches IS NULL OR $1 = ANY(branches) ORDER BY version DESC LIMIT 1",
        branch, has)
    if row is None:
        return Offered(0, None, "", None)
    return Offered(int(row["version"]), row["published"], row["note"], row["catalogue"])


async def versions(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT version, published, published_by, branches, note, "
        "(SELECT count(*) FROM jsonb_array_elements(catalogue->'categories') c, "
        "jsonb_array_elements(c->'services')) AS services "
        "FROM config_versions ORDER BY version DESC LIMIT $1", VERSIONS_LISTED)
    return [{"version": r["version"], "published": r["published"].isoformat(), "by": r["published_by"],
             "branches": r["branches"], "note": r["note"], "services": r["services"]} for r in rows]


async def document(pool: asyncpg.Pool, version: int) -> dict[str, Any] | None:
    text = await pool.fetchval("SELECT catalogue::text FROM config_versions WHERE version = $1", version)
    return json.loads(text) if text is not None else None


async def running(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """What each branch last said it runs (its live summary's `config`), and when it said so."""
    return list(await pool.fetch(
        "SELECT name, summary->'config' AS config, summary_received FROM branches WHERE NOT revoked ORDER BY name"))
