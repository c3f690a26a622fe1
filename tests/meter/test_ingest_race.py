"""Concurrent batches for the same counters, over real connections: the meter lock makes the
neighbour check and the insert one step, so a counter never runs backwards and every item's
answer matches what was stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
from sqlalchemy import text

from maintainpro.core import context
from maintainpro.core.db import transaction
from tests.asset.test_routes import make
from tests.conftest import Committed

URL = "/api/v1/meter-readings/bulk"
COUNTERS = 6
ROUNDS = 2  # each batch twice: 4 requests, 4 connections at once
WINDOWS = 4  # independent races, one after the other


async def test_concurrent_batches_never_make_a_counter_run_backwards(
    committed: Committed,
) -> None:
    tenant = await committed.make_tenant(label="ingest-race", roles=("admin",))
    client, headers = committed.client, tenant.headers("admin")
    counters: list[str] = []
    for i in range(COUNTERS):
        asset = await make(client, tenant, f"RACE-{i}")
        created = await client.post(
            "/api/v1/meters",
            headers=headers,
            json={"assetId": asset["id"], "name": "runtime", "unit": "h", "kind": "counter"},
        )
        counters.append(created.json()["id"])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    claimed: dict[tuple[str, datetime], float] = {}
    for window in range(WINDOWS):
        for response, batch in await _race(client, headers, counters, start, window):
            assert response.status_code == 200, response.text
            for item, result in zip(batch, response.json()["results"], strict=True):
                key = (str(item["meterId"]), datetime.fromisoformat(str(item["measuredAt"])))
                if result["status"] == "stored":
                    assert key not in claimed  # stored by exactly one request
                    claimed[key] = float(str(item["value"]))
                else:
                    assert result["status"] in ("duplicate", "rejected"), result
    stored = await _series(committed, tenant.organization_id)
    assert claimed == {(m, t): v for m, points in stored.items() for t, v in points}
    for counter in counters:
        values = [v for _, v in stored[counter]]
        assert values == sorted(values), stored[counter]  # never backwards
        assert len(values) == 2 * WINDOWS  # of each window's three readings, one is refused


async def _race(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    counters: list[str],
    start: datetime,
    window: int,
) -> list[tuple[httpx.Response, list[dict[str, object]]]]:
    """Per counter, each batch is valid alone, but together 40 at minute 2 sits above 30 at
    minute 3: whichever commits second must refuse its item. Batch B lists the meters in the
    reverse order (the lock order must not follow the items)."""

    def at(minute: int) -> str:
        return (start + timedelta(minutes=10 * window + minute)).isoformat()

    base = 100 * window
    batch_a: list[dict[str, object]] = [
        {"meterId": m, "value": base + v, "measuredAt": at(t)}
        for m in counters
        for t, v in ((1, 10), (3, 30))
    ]
    batch_b: list[dict[str, object]] = [
        {"meterId": m, "value": base + 40, "measuredAt": at(2)} for m in reversed(counters)
    ]
    batches = [batch_a, batch_b] * ROUNDS
    responses = await asyncio.gather(
        *(client.post(URL, headers=headers, json={"readings": b}) for b in batches)
    )
    return list(zip(responses, batches, strict=True))


async def _series(
    committed: Committed, organization_id: UUID
) -> dict[str, list[tuple[datetime, float]]]:
    with context.scoped(organization_id=organization_id):
        async with transaction(committed.database.sessions) as session:
            rows = await session.execute(
                text(
                    "SELECT meter_id, measured_at, value FROM meter_readings"
                    " WHERE organization_id = :o ORDER BY measured_at"
                ),
                {"o": organization_id},
            )
            series: dict[str, list[tuple[datetime, float]]] = {}
            for meter_id, measured_at, value in rows:
                series.setdefault(str(meter_id), []).append((measured_at, value))
            return series
