"""Downtime under real concurrency: committed data, one connection per request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from tests.conftest import Committed


async def test_concurrent_open_events_for_one_asset_leave_exactly_one(
    committed: Committed,
) -> None:
    tenant = await committed.make_tenant(label="downtime", roles=("admin",))
    headers = tenant.headers("admin")
    asset = await committed.client.post(
        "/api/v1/assets", headers=headers, json={"code": "RACE-1", "name": "Press"}
    )
    assert asset.status_code == 201, asset.text
    url = f"/api/v1/assets/{asset.json()['id']}/downtime"
    start = datetime.now(UTC) - timedelta(hours=1)

    async with committed.database.engine.connect() as blocker:
        # Every writer that gets past the open-event check waits here, at its INSERT, until the
        # gate opens: without the asset row lock all four would pass the check together.
        gate = await blocker.begin()
        await blocker.execute(text("LOCK TABLE downtime_events IN SHARE MODE"))
        requests = asyncio.gather(
            *(
                committed.client.post(
                    url,
                    headers=headers,
                    json={
                        "startedAt": (start + timedelta(minutes=i)).isoformat(),
                        "kind": "unplanned",
                    },
                )
                for i in range(4)
            )
        )
        await asyncio.sleep(1.0)
        await gate.rollback()
        answers = await requests

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.text for a in answers]
    listed = await committed.client.get(f"{url}?open=true", headers=headers)
    assert len(listed.json()["items"]) == 1
