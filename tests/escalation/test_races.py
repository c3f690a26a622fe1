"""Three scans at once over committed data, a connection each: every work order escalates
once per level, and a work order escalated by hand at the same time keeps both records."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from maintainpro.core import context
from maintainpro.core.db import transaction
from maintainpro.escalation import scan
from tests.conftest import Committed
from tests.factories.work_order import URL, make_work_order

pytestmark = pytest.mark.smoke


async def test_three_scans_escalate_each_work_order_once(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="esc-race", roles=("admin", "manager"))
    client = committed.client
    rule = await client.post(
        "/api/v1/escalation-rules",
        headers=tenant.headers("manager"),
        json={
            "name": "Race",
            "trigger": "unacknowledged",
            "levels": [{"afterMinutes": 1, "notify": ["managers"], "raisePriority": True}],
        },
    )
    assert rule.status_code == 201, rule.text
    works = [await make_work_order(client, tenant, title=f"W{n}") for n in range(6)]
    later = datetime.fromisoformat(str(works[-1]["reportedAt"])) + timedelta(minutes=5)
    by_hand = client.post(
        f"{URL}/{works[0]['id']}/escalate", headers=tenant.headers("admin"), json={"reason": "Now"}
    )
    *runs, manual = await asyncio.gather(
        *(
            scan.run_organization(committed.database, tenant.organization_id, later)
            for _ in range(3)
        ),
        by_hand,
    )
    assert manual.status_code == 201, manual.text
    assert sum(len(run) for run in runs) == 6
    with context.scoped(organization_id=tenant.organization_id):
        async with transaction(committed.database.sessions) as session:
            counts = (
                await session.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE kind = 'automatic'),"
                        " count(DISTINCT work_order_id) FILTER (WHERE kind = 'automatic'),"
                        " count(*) FILTER (WHERE kind = 'manual'),"
                        " (SELECT count(*) FROM notifications WHERE organization_id = :org"
                        "  AND type = 'escalation')"
                        " FROM work_order_escalations WHERE organization_id = :org"
                    ),
                    {"org": tenant.organization_id},
                )
            ).one()
    # Six escalations by the rule, one by hand; the manager told of each (the admin acted).
    assert tuple(counts) == (6, 6, 1, 7)
    listed = await client.get(URL, headers=tenant.headers("admin"), params={"limit": 10})
    assert {w["priority"] for w in listed.json()["items"]} == {"high"}  # medium, raised once
    assert await scan.run_organization(committed.database, tenant.organization_id, later) == []
