"""Meter and condition triggers: every 500 h from the last trigger or the last completion,
rollover and replacement, a gauge that fires once per excursion, time-or-meter, and readings
that reach the scheduler through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.models import OutboxEvent
from maintainpro.pm import tasks
from tests.factories.identity import Tenant
from tests.factories.pm import (
    SCHEDULES,
    finish,
    make_meter,
    make_schedule,
    make_template,
    read_meter,
    run_due,
)
from tests.factories.work_order import make_asset


def _ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


async def test_every_500_hours_from_the_last_trigger(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "CMP-1")
    meter = await make_meter(client, acme, asset)
    schedule = await make_schedule(
        client, acme, {"kind": "meter", "meterId": meter["id"], "every": 500}, assets=[asset]
    )
    assert schedule["meterDueTotal"] == 500
    fired = []
    for hours, value in ((10, 100), (9, 500), (8, 501), (7, 999), (6, 1000), (5, 1700)):
        await read_meter(client, acme, meter, value, _ago(hours))
        fired.append([o["key"] for o in await run_due(client, acme, schedule)])
    # Passing 500 fires once, 501 does not, 1,000 does; a jump past 1,500 fires once for it.
    assert fired == [[], ["meter:500.0"], [], [], ["meter:1000.0"], ["meter:1500.0"]]
    shown = await client.get(f"{SCHEDULES}/{schedule['id']}", headers=acme.headers("admin"))
    assert (shown.json()["meterTotal"], shown.json()["meterDueTotal"]) == (1700, 2000)
    assert shown.json()["projectedDueAt"] is not None  # it ran 1,700 h in five hours


async def test_from_completion_rollover_and_replacement(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "CMP-2")
    meter = await make_meter(client, acme, asset, rolloverValue=1000)
    await read_meter(client, acme, meter, 900, _ago(10))  # the schedule counts from here
    trigger = {"kind": "meter", "meterId": meter["id"], "every": 500, "since": "completion"}
    schedule = await make_schedule(client, acme, trigger, assets=[asset])
    await read_meter(client, acme, meter, 300, _ago(9), reset="rollover")  # 100 + 300 = 400
    assert await run_due(client, acme, schedule) == []
    await read_meter(client, acme, meter, 450, _ago(8))  # 550
    [made] = await run_due(client, acme, schedule)
    await read_meter(client, acme, meter, 990, _ago(7))  # 1,090: waiting for the work
    assert await run_due(client, acme, schedule) == []
    await finish(client, acme, made["workOrderId"])
    url = f"{SCHEDULES}/{schedule['id']}"
    assert (await client.get(url, headers=acme.headers("admin"))).json()["meterDueTotal"] == 1590
    await read_meter(client, acme, meter, 500, _ago(6), reset="replacement")  # 1,590
    [again] = await run_due(client, acme, schedule)
    assert again["key"] == "meter:1590.0"


async def test_a_gauge_fires_once_per_excursion(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make_asset(client, acme, "BRG-T")
    gauge = await make_meter(client, acme, asset, kind="gauge")
    trigger = {"kind": "condition", "meterId": gauge["id"], "above": 80, "rearm": 70}
    schedule = await make_schedule(client, acme, trigger, assets=[asset])
    for hours, value in ((9, 75), (8, 85), (7, 90), (6, 72), (5, 65), (4, 81)):
        await read_meter(client, acme, gauge, value, _ago(hours))
    made = await run_due(client, acme, schedule)
    assert [o["reason"] for o in made] == ["condition", "condition"]  # at 85 and at 81
    assert await run_due(client, acme, schedule) == []


async def test_time_or_meter_whichever_first_and_completion_resets_both(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "FLT-9")
    meter = await make_meter(client, acme, asset)
    start = (datetime.now(UTC) + timedelta(days=30)).replace(tzinfo=None, microsecond=0)
    trigger = {
        "kind": "time_or_meter",
        "start": start.isoformat(),
        "every": 90,
        "meterId": meter["id"],
        "meterEvery": 250,
    }
    schedule = await make_schedule(client, acme, trigger, assets=[asset])
    await read_meter(client, acme, meter, 260, _ago(1))  # the meter comes first
    [made] = await run_due(client, acme, schedule)
    assert made["reason"] == "meter"
    await finish(client, acme, made["workOrderId"])
    shown = await client.get(f"{SCHEDULES}/{schedule['id']}", headers=acme.headers("admin"))
    after = shown.json()
    assert after["meterDueTotal"] == 510  # 260 + 250
    due = datetime.fromisoformat(after["nextDueAt"])
    assert timedelta(days=89) < due - datetime.now(UTC) <= timedelta(days=90, hours=1)


async def test_readings_reach_the_scheduler_through_the_outbox(
    client: httpx.AsyncClient,
    acme: Tenant,
    conn: AsyncConnection,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    asset = await make_asset(client, acme, "CMP-3")
    meter = await make_meter(client, acme, asset)
    other = await make_meter(client, acme, asset, name="Unscheduled")
    await make_schedule(
        client, acme, {"kind": "meter", "meterId": meter["id"], "every": 100}, assets=[asset]
    )
    await read_meter(client, acme, other, 50, _ago(2))
    await read_meter(client, acme, meter, 120, _ago(1))
    events = (
        await conn.execute(
            text(
                "SELECT id, entity_id FROM outbox WHERE organization_id = :org"
                " AND event_type = 'meter.readings_recorded'"
            ),
            {"org": acme.organization_id},
        )
    ).all()
    assert [str(entity) for _, entity in events] == [meter["id"]]  # not the unscheduled meter
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            event = await session.get_one(OutboxEvent, events[0].id)
            await tasks.on_readings(session, event)
    made = await conn.scalar(
        text("SELECT count(*) FROM pm_occurrences WHERE organization_id = :org"),
        {"org": acme.organization_id},
    )
    assert made == 1


async def test_one_refused_schedule_does_not_hold_back_the_meters_others(
    client: httpx.AsyncClient,
    acme: Tenant,
    conn: AsyncConnection,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    asset = await make_asset(client, acme, "CMP-4")
    meter = await make_meter(client, acme, asset)
    retired = await make_template(client, acme, title="Retired")
    trigger = {"kind": "meter", "meterId": meter["id"], "every": 100}
    await make_schedule(client, acme, trigger, assets=[asset], template=retired)
    healthy = await make_schedule(client, acme, trigger, assets=[asset])
    gone = await client.delete(
        f"/api/v1/work-order-templates/{retired['id']}", headers=acme.headers("admin")
    )
    assert gone.status_code == 204
    await read_meter(client, acme, meter, 150, _ago(1))
    event_id = await conn.scalar(
        text(
            "SELECT id FROM outbox WHERE organization_id = :org"
            " AND event_type = 'meter.readings_recorded'"
        ),
        {"org": acme.organization_id},
    )
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await tasks.on_readings(session, await session.get_one(OutboxEvent, event_id))
    made = await conn.execute(
        text("SELECT schedule_id FROM pm_occurrences WHERE organization_id = :org"),
        {"org": acme.organization_id},
    )
    assert [str(row.schedule_id) for row in made] == [healthy["id"]]
