"""Partition maintenance (D5): future partitions exist before rows need them.

Run by `migrate`, at `serve` start, by `maintainpro partitions ensure` and daily by the worker.
"""

from __future__ import annotations

from sqlalchemy import text
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
