"""Partition maintenance (D5): future partitions exist before rows need them, and old
work-order partitions move to the archive schema.

`ensure` runs in `migrate`, at `serve` start, in `maintainpro partitions ensure` and daily in
the worker; `archive` only in `maintainpro partitions archive`, as the maintenance role.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from maintainpro.config import Settings
from maintainpro.core.db import Database, transaction
from maintainpro.core.logging import get_logger
from maintainpro.core.transient import sqlstate

log = get_logger(__name__)

MONTHLY = ("activity_logs", "meter_readings")
MONTHS_BACK = 1  # a row stamped just before midnight UTC of the 1st still has a home
# Keyed by UUIDv7 ids minted at insert time: the current quarter and those ahead suffice.
QUARTERLY = ("work_orders",)


async def ensure(session: AsyncSession, *, months_ahead: int) -> dict[str, int]:
    """Creates the missing monthly partitions; returns how many were created per table."""
    created: dict[str, int] = {}
    for table in MONTHLY:
        count = await session.scalar(
            text("SELECT app.ensure_monthly_partitions(:table, :ahead, :back)"),
            {"table": table, "ahead": months_ahead, "back": MONTHS_BACK},
        )
        created[table] = int(count or 0)
    quarters_ahead = max(3, -(-months_ahead // 3))
    for table in QUARTERLY:
        count = await session.scalar(
            text("SELECT app.ensure_quarterly_partitions(:table, :ahead, 0)"),
            {"table": table, "ahead": quarters_ahead},
        )
        created[table] = int(count or 0)
    log.info("partitions.ensured", created=created)
    return created


async def ensure_on_start(database: Database, settings: Settings) -> None:
    """At service start; a database that is down must not keep the service from starting."""
    try:
        async with transaction(database.sessions) as session:
            await ensure(session, months_ahead=settings.partitions.months_ahead)
    except (DBAPIError, OSError) as exc:
        log.warning("partitions.ensure_failed", error=type(exc).__name__)


# Attached work-order partitions whose upper bound (the UUIDv7 of a time: its first 48 bits
# are the milliseconds) lies before the retention's start.
_ARCHIVABLE = text(
    """
    SELECT format('%I.%I', n.nspname, c.relname)
    FROM pg_inherits AS i
    JOIN pg_class AS c ON c.oid = i.inhrelid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace,
    LATERAL (SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                  'TO [(]''([0-9a-f]{8})-([0-9a-f]{4})')) AS hi) AS b
    WHERE i.inhparent = CAST('public.work_orders' AS regclass) AND NOT i.inhdetachpending
      AND to_timestamp(CAST(CAST(CAST('x' || hi[1] || hi[2] AS bit(48)) AS bigint) AS float8)
                       / 1000) <= now() - make_interval(months => :months)
    ORDER BY 1
    """
)
# A detach that was cut off between its two transactions (PostgreSQL allows one per table).
_PENDING = text(
    "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_inherits AS i"
    " JOIN pg_class AS c ON c.oid = i.inhrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace"
    " WHERE i.inhparent = CAST('public.work_orders' AS regclass) AND i.inhdetachpending"
)
# A quarter detached by a run cut off before its drop: no longer a partition, emptied, and its
# rows in its archive twin.
_STRANDED = text(
    "SELECT format('public.%I', c.relname) FROM pg_class AS c"
    " WHERE c.relnamespace = CAST('public' AS regnamespace) AND c.relkind = 'r'"
    " AND c.relname LIKE 'work\\_orders\\_p%' AND NOT c.relispartition"
    " AND to_regclass(format('archive.%I', c.relname)) IS NOT NULL"
)
_ATTACHMENT = text(
    "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass(:partition)"
)
# Per-row triggers off for the transaction (the maintenance role may, as pg_restore does): for
# writers whose rows are consistent by construction (archival here, the benchmark's loader).
TRIGGERS_OFF = text("SET LOCAL session_replication_role = replica")
# Moving a quarter of a large installation takes minutes: an operator's job, not a request.
_NO_TIMEOUT = text("SET LOCAL statement_timeout = 0")
_ARCHIVE = text(
    "SELECT app.archive_work_order_partition(CAST(:partition AS regclass)) AS moved"
).columns(moved=JSONB)
# One archival at a time (two would race for the same rows and the one pending detach).
_ONE_AT_A_TIME = text("SELECT pg_advisory_lock(hashtext('maintainpro partitions archive'))")
_DONE = text("SELECT pg_advisory_unlock(hashtext('maintainpro partitions archive'))")
# The detach and the drop wait this long at most for a lock, so nothing queued behind them
# waits longer; then they step back and try again, until the attempts run out.
_LOCK_TIMEOUT = "200ms"
_ATTEMPTS = 240
_PAUSE_S = 0.5
_LOCK_WAIT_STATES = frozenset({"55P03", "40P01"})  # lock timeout, deadlock
_NOT_DETACHED = "moved, not yet detached"


@dataclass(frozen=True)
class Archived:
    partition: str
    moved: dict[str, int] = field(default_factory=dict)  # rows per table
    kept: str | None = None  # why the partition stays (open or still referenced work)


async def archive(database: Database, *, older_than_months: int) -> list[Archived]:
    """Every work-order partition wholly older than the retention moves to the archive
    schema: its rows in one transaction each, then the emptied partition is detached without
    blocking readers and dropped. One that holds open work, or work something live still
    refers to, stays and says why. Needs the maintenance role (database)."""
    async with database.engine.connect() as raw:
        conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(_ONE_AT_A_TIME)
        await conn.execute(text(f"SET lock_timeout = '{_LOCK_TIMEOUT}'"))
        try:
            left = [*await conn.scalars(_PENDING), *await conn.scalars(_STRANDED)]
            results = [await _finish(conn, p) for p in left]
            partitions = list(await conn.scalars(_ARCHIVABLE, {"months": older_than_months}))
            for partition in partitions:
                if any(r.kept and r.kept.startswith(_NOT_DETACHED) for r in results):
                    # PostgreSQL allows one pending detach a table: stop moving rows.
                    results.append(Archived(partition, kept="not tried: a detach is pending"))
                else:
                    results.append(await _archive_one(database, conn, partition))
        finally:
            await conn.execute(text("RESET lock_timeout"))
            await conn.execute(_DONE)
    log.info("partitions.archived", results=[r.__dict__ for r in results])
    return results


async def _archive_one(database: Database, conn: AsyncConnection, partition: str) -> Archived:
    try:
        async with transaction(database.sessions) as session:
            await session.execute(TRIGGERS_OFF)
            await session.execute(_NO_TIMEOUT)
            moved = await session.scalar(_ARCHIVE, {"partition": partition})
    except DBAPIError as exc:
        return Archived(partition, kept=_reason(exc))
    finished = await _finish(conn, partition)
    return Archived(partition, moved=dict(moved), kept=finished.kept)


async def _finish(conn: AsyncConnection, partition: str) -> Archived:
    """Detaches the emptied partition (or completes a detach cut off before) and drops it."""

    async def detach() -> str | None:
        pending = await conn.scalar(_ATTACHMENT, {"partition": partition})
        if pending is None:
            return None  # detached
        how = "FINALIZE" if pending else "CONCURRENTLY"
        return f"ALTER TABLE public.work_orders DETACH PARTITION {partition} {how}"

    async def drop() -> str:
        return f"DROP TABLE {partition}"

    try:
        if await conn.scalar(_ATTACHMENT, {"partition": partition}) is False:
            await _vacuum(conn, partition)
        await _with_lock_retries(conn, detach)
    except DBAPIError as exc:
        return Archived(partition, kept=f"{_NOT_DETACHED} ({_reason(exc)}): run again")
    try:
        # Only a row written into the long-past quarter after its move could be here.
        if await conn.scalar(text(f"SELECT EXISTS (SELECT FROM {partition})")):
            return Archived(partition, kept="rows arrived after the move: detached, not dropped")
        await _with_lock_retries(conn, drop)
    except DBAPIError as exc:
        return Archived(partition, kept=f"detached, not dropped ({_reason(exc)}): run again")
    return Archived(partition)


async def _vacuum(conn: AsyncConnection, partition: str) -> None:
    """The detach checks every referring table against the partition while writers to those
    tables wait: on a vacuumed, truncated partition that is no page to read, on the emptied
    one a pass over all its dead pages per foreign key. VACUUM itself waits for no one and
    makes no one wait; a lock it cannot get in time only costs the writers that pass."""
    try:
        await conn.execute(text(f"VACUUM {partition}"))
    except DBAPIError as exc:
        if sqlstate(exc) not in _LOCK_WAIT_STATES:
            raise


async def _with_lock_retries(
    conn: AsyncConnection, statement: Callable[[], Awaitable[str | None]]
) -> None:
    """Runs the statement (asked for again on each attempt; None: nothing left to do) until it
    gets its locks within the lock timeout."""
    for attempt in range(1, _ATTEMPTS + 1):
        sql = await statement()
        if sql is None:
            return
        try:
            await conn.execute(text(sql))
            return
        except DBAPIError as exc:
            if sqlstate(exc) not in _LOCK_WAIT_STATES or attempt == _ATTEMPTS:
                raise
        await asyncio.sleep(_PAUSE_S)


def _reason(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "args", [exc])[0]).splitlines()[0].split(": ", 1)[-1]
