"""The work order's actual hours and labor cost are the sums of its live, finished entries,
kept by a trigger whatever writes the entries (the API or raw SQL), and without a new ETag."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from tests.factories.identity import Tenant
from tests.factories.labor import assigned_work, labor_url, log_time, read_work

RATE = {"hourlyRate": "30.00"}


async def _totals(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object]
) -> tuple[str, str, str]:
    response = await read_work(client, tenant, work)
    body = response.json()
    return body["actualHours"], body["laborCost"], response.headers["etag"]


async def _rate(client: httpx.AsyncClient, tenant: Tenant, role: str, rate: str | None) -> None:
    response = await client.patch(
        f"/api/v1/users/{tenant.users[role].id}",
        headers=tenant.headers("admin"),
        json={"hourlyRate": rate},
    )
    assert response.status_code == 200, response.text


async def test_sums_follow_every_insert_edit_and_delete(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    await _rate(client, acme, "technician", "30.00")
    work = await assigned_work(client, acme)
    etag = (await read_work(client, acme, work)).headers["etag"]
    assert await _totals(client, acme, work) == ("0.00", "0.00", etag)
    first = await log_time(client, acme, work, "technician", hours="1.5")
    second = await log_time(client, acme, work, "technician", hours="0.25")
    assert await _totals(client, acme, work) == ("1.75", "52.50", etag)
    url = f"{labor_url(work)}/{first['id']}"
    edited = await client.patch(
        url,
        headers=acme.headers("technician"),
        json={"startedAt": first["startedAt"], "hours": "1"},
    )
    assert edited.status_code == 200, edited.text
    assert await _totals(client, acme, work) == ("1.25", "37.50", etag)
    noted = await client.patch(url, headers=acme.headers("technician"), json={"note": "n"})
    assert noted.status_code == 200
    assert await _totals(client, acme, work) == ("1.25", "37.50", etag)
    assert (await client.delete(url, headers=acme.headers("technician"))).status_code == 204
    assert await _totals(client, acme, work) == ("0.25", "7.50", etag)
    # A running timer counts once it stops.
    timer = await client.post(
        "/api/v1/labor/timer/start",
        headers=acme.headers("technician"),
        json={"workOrderId": work["id"]},
    )
    assert timer.status_code == 201
    assert await _totals(client, acme, work) == ("0.25", "7.50", etag)
    stopped = await client.post("/api/v1/labor/timer/stop", headers=acme.headers("technician"))
    assert stopped.status_code == 200
    hours = Decimal(str(stopped.json()["hours"])) + Decimal(str(second["hours"]))
    assert (await _totals(client, acme, work))[0] == str(hours)


async def test_raw_sql_keeps_the_sums_exact(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    work = await assigned_work(client, acme)
    await log_time(client, acme, work, "technician", hours="1")
    etag = (await read_work(client, acme, work)).headers["etag"]
    params = {
        "org": acme.organization_id,
        "wo": UUID(str(work["id"])),
        "user": acme.users["contractor"].id,
    }
    statements = [
        (
            "INSERT INTO labor_entries (id, organization_id, work_order_id, user_id, started_at,"
            " ended_at, hourly_rate, source) VALUES (app.uuidv7(), :org, :wo, :user,"
            " now() - interval '3 hours', now() - interval '1 hour', 40, 'manual')",
            ("3.00", "80.00"),
        ),
        (
            "UPDATE labor_entries SET ended_at = started_at + interval '30 minutes'"
            " WHERE work_order_id = :wo AND user_id = :user",
            ("1.50", "20.00"),
        ),
        (
            "UPDATE labor_entries SET deleted_at = now() WHERE work_order_id = :wo"
            " AND user_id = :user",
            ("1.00", "0.00"),
        ),
        (
            "UPDATE labor_entries SET deleted_at = NULL WHERE work_order_id = :wo"
            " AND user_id = :user",
            ("1.50", "20.00"),
        ),
        (
            "UPDATE labor_entries SET ended_at = NULL WHERE work_order_id = :wo"
            " AND user_id = :user",
            ("1.00", "0.00"),
        ),
        (
            "UPDATE labor_entries SET ended_at = started_at + interval '6 minutes'"
            " WHERE work_order_id = :wo AND user_id = :user",
            ("1.10", "4.00"),
        ),
        ("DELETE FROM labor_entries WHERE work_order_id = :wo", ("0.00", "0.00")),
    ]
    for sql, expected in statements:
        with context.scoped(organization_id=acme.organization_id):
            async with sessions() as session, session.begin():
                await session.execute(text(sql), params)
        assert await _totals(client, acme, work) == (*expected, etag), sql


async def test_moving_an_entry_to_another_work_order_moves_its_time(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _rate(client, acme, "technician", "10.00")
    source, target = await assigned_work(client, acme), await assigned_work(client, acme)
    entry = await log_time(client, acme, source, "technician", hours="2")
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await session.execute(
                text("UPDATE labor_entries SET work_order_id = :to WHERE id = :id"),
                {"to": UUID(str(target["id"])), "id": UUID(str(entry["id"]))},
            )
    assert (await _totals(client, acme, source))[:2] == ("0.00", "0.00")
    assert (await _totals(client, acme, target))[:2] == ("2.00", "20.00")
