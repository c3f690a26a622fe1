"""A meter's readings are read through the reading index, whatever the table's size (D3)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.meter import readings
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
