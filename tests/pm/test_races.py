"""Three schedulers at once on the same due schedules, over committed data and a connection
each: every occurrence becomes one work order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from maintainpro.core import context
from maintainpro.core.db import transaction
from maintainpro.pm import generate
from tests.conftest import Committed
from tests.factories.pm import make_schedule, make_template
from tests.factories.work_order import make_asset

pytestmark = pytest.mark.smoke


async def test_three_schedulers_create_each_occurrence_once(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="pm-race", roles=("admin", "technician"))
    client = committed.client
    template = await make_template(client, tenant)
    asset = await make_asset(client, tenant, "RACE-1")
    start = (datetime.now(UTC) - timedelta(days=3)).replace(tzinfo=None, microsecond=0)
    trigger = {"kind": "time", "rule": "FREQ=DAILY", "start": start.isoformat()}
    for n in range(5):
        await make_schedule(
            client, tenant, trigger, template=template, assets=[asset], missed="all", name=f"S{n}"
        )
    runs = await asyncio.gather(
        *(generate.run_organization(committed.database, tenant.organization_id) for _ in range(3))
    )
    made = [occurrence for run in runs for occurrence in run]
    assert len(made) == 20  # five schedules, four occurrences each
    with context.scoped(organization_id=tenant.organization_id):
        async with transaction(committed.database.sessions) as session:
            counts = (
                await session.execute(
                    text(
                        "SELECT count(*), count(DISTINCT work_order_id),"
                        " (SELECT count(*) FROM work_orders WHERE organization_id = :org)"
                        " FROM pm_occurrences WHERE organization_id = :org"
                    ),
                    {"org": tenant.organization_id},
                )
            ).one()
    assert tuple(counts) == (20, 20, 20)
    assert await generate.run_organization(committed.database, tenant.organization_id) == []
