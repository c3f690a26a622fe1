"""A meter's readings are read through the reading index, whatever the table's size (D3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool
from uuid_utils.compat import uuid7

from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.database import ServerTarget, admin_url
from maintainpro.meter import readings, timeline
from maintainpro.meter.schemas import ReadingFilter
from maintainpro.models import Meter
from tests.factories.identity import Tenant
from tests.factories.plans import literal_sql, plan_nodes


async def test_reading_pages_use_the_reading_index(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession], acme: Tenant
) -> None:
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(acme.organization_id)}
    )
    asset_id = await conn.scalar(
        text(
            "INSERT INTO assets (id, organization_id, code, name, label_code)"
            " VALUES (app.uuidv7(), CAST(:o AS uuid), 'IDX', 'idx', 'IDX') RETURNING id"
        ),
        {"o": acme.organization_id},
    )
    meter_ids = (
        (
            await conn.execute(
                text(
                    "INSERT INTO meters (id, organization_id, asset_id, name, unit, kind)"
                    " SELECT app.uuidv7(), CAST(:o AS uuid), CAST(:a AS uuid), 'm' || i, 'h',"
                    " 'gauge'"
                    " FROM generate_series(1, 20) i RETURNING id"
                ),
                {"o": acme.organization_id, "a": asset_id},
            )
        )
        .scalars()
        .all()
    )
    await conn.execute(
        text(
            "INSERT INTO meter_readings (organization_id, meter_id, measured_at, value)"
            " SELECT CAST(:o AS uuid), m, TIMESTAMPTZ '2026-11-01' + make_interval(mins => i), i"
            " FROM unnest(CAST(:meters AS uuid[])) m, generate_series(1, 500) i"
        ),
        {"o": acme.organization_id, "meters": list(meter_ids)},
    )
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            meter = await session.get_one(Meter, meter_ids[0])
    since = datetime(2026, 11, 1, 2, tzinfo=UTC)
    for query in (ReadingFilter(), ReadingFilter.model_validate({"from": since})):
        nodes = await plan_nodes(conn, literal_sql(readings.page_statement(meter, query)))
        assert all(n["Node Type"] != "Seq Scan" for n in nodes), nodes
        assert any(
            n.get("Index Name", "").startswith("meter_readings_p")
            or n.get("Index Name", "").startswith("uq_meter_readings")
            for n in nodes
        ), nodes


def _vacuum_analyze(target: ServerTarget, settings: Settings, table: str) -> None:
    """As the superuser: no test writes committed readings this far ahead, so the partition
    ends with no pages at all (rows other tests rolled back are vacuumed away)."""
    url = admin_url(target, settings.database).set(database=target.url.database)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as admin:
        admin.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()


async def test_a_batch_probes_its_neighbours_in_a_partition_analyzed_empty(
    conn: AsyncConnection, acme: Tenant, target: ServerTarget, settings: Settings
) -> None:
    """A month's partition, empty when a connection first plans the batch query (the start of
    the month): planned as it stands, each reading's lookups would be a sequential scan of it,
    and the driver keeps that plan while the partition fills (14 s of CPU a batch). The
    query's own settings keep them index probes, and end with it."""
    ahead = (datetime.now(UTC).replace(day=1) + timedelta(days=62)).replace(day=1)
    partition = f"meter_readings_p{ahead:%Y_%m}"
    _vacuum_analyze(target, settings, partition)
    n = 500
    params = {
        "org": acme.organization_id,
        "n": list(range(n)),
        "meters": [uuid7()] * n,
        "times": [ahead + timedelta(days=1, seconds=i) for i in range(n)],
        "sources": [None] * n,
        "counters": [True] * n,
    }
    explain = text(f"EXPLAIN (FORMAT JSON) {timeline._NEIGHBOURS.text}")

    async def scanned() -> set[str]:
        plan = (await conn.execute(explain, params)).scalar_one()[0]["Plan"]
        return {
            node["Relation Name"]
            for node in _walk(plan)
            if node["Node Type"] == "Seq Scan"
            and node.get("Relation Name", "").startswith("meter_readings")
        }

    assert partition in await scanned()  # the trap
    await conn.execute(timeline._PROBES_ONLY)
    assert await scanned() == set()
    await conn.execute(timeline._SCANS_AGAIN)
    assert partition in await scanned()


def _walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)
