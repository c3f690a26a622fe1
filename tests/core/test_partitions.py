from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.partition import service as partition_service

PARTITIONS = text(
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = 'activity_logs'::regclass ORDER BY 1"
)


def _month_names(months_ahead: int) -> set[str]:
    now = datetime.now(UTC)
    names = set()
    for offset in range(-1, months_ahead + 1):
        index = now.year * 12 + now.month - 1 + offset
        names.add(f"activity_logs_p{index // 12}_{index % 12 + 1:02d}")
    return names


async def test_ensure_creates_the_months_ahead_once(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        created = await partition_service.ensure(session, months_ahead=6)
    async with sessions() as session, session.begin():
        again = await partition_service.ensure(session, months_ahead=6)
    names = set((await conn.execute(PARTITIONS)).scalars())
    assert _month_names(6) <= names
    assert created["activity_logs"] == len(_month_names(6) - _month_names(3))
    assert again == {"activity_logs": 0, "meter_readings": 0, "work_orders": 0}


async def test_only_range_partitioned_tables_are_accepted(conn: AsyncConnection) -> None:
    with pytest.raises(DBAPIError, match="not a range-partitioned table"):
        await conn.execute(text("SELECT app.ensure_monthly_partitions('locations', 1, 0)"))


async def test_there_is_no_default_partition_to_hide_missing_months(conn: AsyncConnection) -> None:
    """A row far in the future has no partition: it fails loudly instead of piling up."""
    with pytest.raises(DBAPIError, match="no partition"):
        await conn.execute(
            text(
                "INSERT INTO activity_logs (organization_id, entity_type, entity_id, action,"
                " occurred_at)"
                " SELECT app.uuidv7(), 'x', app.uuidv7(), 'insert', now() + interval '10 years'"
            )
        )


async def test_sql_uuidv7_is_version_7_and_time_ordered(conn: AsyncConnection) -> None:
    before = datetime.now(UTC)
    value = await conn.scalar(text("SELECT app.uuidv7()"))
    after = datetime.now(UTC)
    assert value.version == 7
    millis = int.from_bytes(value.bytes[:6], "big")
    assert int(before.timestamp() * 1000) - 5 <= millis <= int(after.timestamp() * 1000) + 5
