"""Partition maintenance (D5): future partitions exist before rows need them, and old
work-order partitions move to the archive schema.

`ensure` runs in `migrate`, at `serve` start, in `maintainpro partitions ensure` and daily in
the worker; `archive` only in `maintainpro partitions archive`, as the maintenance role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.config import Settings
from maintainpro.core.db import Database, transaction
from maintainpro.core.logging import get_logger

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
    WHERE i.inhparent = CAST('public.work_orders' AS regclass)
      AND to_timestamp(CAST(CAST(CAST('x' || hi[1] || hi[2] AS bit(48)) AS bigint) AS float8)
                       / 1000) <= now() - make_interval(months => :months)
    ORDER BY 1
    """
)
# Per-row triggers off for the transaction (the maintenance role may, as pg_restore does): for
# writers whose rows are consistent by construction (archival here, the benchmark's loader).
TRIGGERS_OFF = text("SET LOCAL session_replication_role = replica")
# Moving a quarter of a large installation takes minutes: an operator's job, not a request.
_NO_TIMEOUT = text("SET LOCAL statement_timeout = 0")
_ARCHIVE = text(
    "SELECT app.archive_work_order_partition(CAST(:partition AS regclass)) AS moved"
).columns(moved=JSONB)


@dataclass(frozen=True)
class Archived:
    partition: str
    moved: dict[str, int] = field(default_factory=dict)  # rows per table
    kept: str | None = None  # why the partition stays (open or still referenced work)


async def archive(database: Database, *, older_than_months: int) -> list[Archived]:
    """Every work-order partition wholly older than the retention moves to the archive
    schema, each in its own transaction; one that holds open work, or work something live
    still refers to, stays and says why. Needs the maintenance role (database)."""
    async with transaction(database.sessions) as session:
        partitions = list(await session.scalars(_ARCHIVABLE, {"months": older_than_months}))
    results = []
    for partition in partitions:
        try:
            async with transaction(database.sessions) as session:
                await session.execute(TRIGGERS_OFF)
                await session.execute(_NO_TIMEOUT)
                moved = await session.scalar(_ARCHIVE, {"partition": partition})
            results.append(Archived(partition, moved=dict(moved)))
        except DBAPIError as exc:
            reason = str(getattr(exc.orig, "args", [exc])[0]).splitlines()[0]
            results.append(Archived(partition, kept=reason.split(": ", 1)[-1]))
    log.info("partitions.archived", results=[r.__dict__ for r in results])
    return results
