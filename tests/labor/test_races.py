"""Timers under real concurrency: committed data, one connection per request. However many
starts one person sends at once, exactly one timer of theirs runs afterwards."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from maintainpro.core import context
from tests.conftest import Committed
from tests.factories.identity import Tenant

START = "/api/v1/labor/timer/start"


async def _work(client: httpx.AsyncClient, tenant: Tenant, title: str) -> str:
    response = await client.post(
        "/api/v1/work-orders",
        headers=tenant.headers("admin"),
        json={
            "title": title,
            "locationId": str(tenant.north_area.id),
            "assigneeIds": [str(tenant.users["technician"].id)],
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _racing_starts(
    committed: Committed, tenant: Tenant, bodies: list[dict[str, object]]
) -> list[httpx.Response]:
    """Sends the starts together; every one that gets past its checks waits at its INSERT
    until the gate opens, so they all reach the database's uniqueness check at once."""
    headers = tenant.headers("technician")
    async with committed.database.engine.connect() as blocker:
        gate = await blocker.begin()
        await blocker.execute(text("LOCK TABLE labor_entries IN SHARE MODE"))
        requests = asyncio.gather(
            *(committed.client.post(START, headers=headers, json=body) for body in bodies)
        )
        await asyncio.sleep(1.0)
        await gate.rollback()
        return list(await requests)


async def _running(committed: Committed, tenant: Tenant) -> dict[str, object]:
    """The technician's one running timer: the table holds exactly one, the API shows it."""
    with context.scoped(organization_id=tenant.organization_id):
        async with committed.database.sessions() as session:
            count = await session.scalar(
                text(
                    "SELECT count(*) FROM labor_entries WHERE user_id = :user"
                    " AND ended_at IS NULL AND deleted_at IS NULL"
                ),
                {"user": tenant.users["technician"].id},
            )
    assert count == 1
    shown = await committed.client.get("/api/v1/labor/timer", headers=tenant.headers("technician"))
    assert shown.status_code == 200
    body: dict[str, object] = shown.json()
    return body


async def test_two_concurrent_starts_leave_exactly_one_running(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="timers", roles=("admin", "technician"))
    first, second = (
        await _work(committed.client, tenant, "A"),
        await _work(committed.client, tenant, "B"),
    )
    answers = await _racing_starts(
        committed, tenant, [{"workOrderId": first}, {"workOrderId": second}]
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 201).json()
    lost = next(a for a in answers if a.status_code == 409).json()
    assert lost["runningTimer"]["id"] == won["id"]
    running = await _running(committed, tenant)
    assert running["id"] == won["id"]


async def test_concurrent_switches_leave_exactly_one_running(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="switches", roles=("admin", "technician"))
    ids = [await _work(committed.client, tenant, f"W{i}") for i in range(4)]
    first = await committed.client.post(
        START, headers=tenant.headers("technician"), json={"workOrderId": ids[0]}
    )
    assert first.status_code == 201
    answers = await _racing_starts(
        committed, tenant, [{"workOrderId": i, "switch": True} for i in ids[1:]]
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 201).json()
    running = await _running(committed, tenant)
    assert running["id"] == won["id"]
