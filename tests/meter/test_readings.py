"""Meters and readings: single and bulk ingestion, idempotency, counters, series, scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.models import ActivityLog, MeterReading
from tests.asset.test_routes import make
from tests.factories.identity import Tenant

# Two days back: inside the partitions made ahead (this month and the previous one always exist).
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


async def meter(
    client: httpx.AsyncClient, tenant: Tenant, kind: str = "counter", **body: object
) -> str:
    asset = await make(client, tenant, f"M-{kind}-{len(body)}")
    response = await client.post(
        "/api/v1/meters",
        headers=tenant.headers("admin"),
        json={"assetId": asset["id"], "name": f"{kind} meter", "unit": "h", "kind": kind, **body},
    )
    assert response.status_code == 201, response.text
    meter_id: str = response.json()["id"]
    return meter_id


def points(meter_id: str, *readings: tuple[float, float]) -> list[dict[str, object]]:
    """(value, minutes after T0) pairs as the bulk body's readings of one meter."""
    return [{"meterId": meter_id, "value": v, "measuredAt": at(m)} for v, m in readings]


async def bulk(
    client: httpx.AsyncClient,
    tenant: Tenant,
    readings: list[dict[str, object]],
    role: str = "admin",
) -> httpx.Response:
    return await client.post(
        "/api/v1/meter-readings/bulk", headers=tenant.headers(role), json={"readings": readings}
    )


async def _count(sessions: async_sessionmaker[AsyncSession], tenant: Tenant) -> int:
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(MeterReading)) or 0)


async def test_five_thousand_readings_in_one_call_are_stored_once(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    counter, gauge = await meter(client, acme), await meter(client, acme, "gauge")
    readings: list[dict[str, object]] = []
    for i in range(2500):
        readings.append(
            {"meterId": counter, "value": i * 0.5, "measuredAt": at(i), "source": "gw-1"}
        )
        readings.append({"meterId": gauge, "value": 20 + (i % 7), "measuredAt": at(i)})
    first = await bulk(client, acme, readings)
    assert first.status_code == 200, first.text[:500]
    body = first.json()
    assert (body["stored"], body["duplicates"], body["conflicts"], body["rejected"]) == (
        5000,
        0,
        0,
        0,
    )
    again = (await bulk(client, acme, readings)).json()
    assert (again["stored"], again["duplicates"], again["rejected"]) == (0, 5000, 0)
    assert await _count(sessions, acme) == 5000
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            batches = (
                await session.scalars(
                    select(ActivityLog).where(ActivityLog.entity_type == "meter_readings")
                )
            ).all()
    assert [b.after for b in batches] == [
        {"stored": 5000, "duplicate": 0, "conflict": 0, "rejected": 0},
        {"stored": 0, "duplicate": 5000, "conflict": 0, "rejected": 0},
    ]


async def test_backwards_counters_are_rejected_per_item_while_valid_items_store(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    counter = await meter(client, acme)
    body = (
        await bulk(
            client,
            acme,
            [
                {"meterId": counter, "value": 100, "measuredAt": at(0)},
                {"meterId": counter, "value": 90, "measuredAt": at(1)},
                {"meterId": counter, "value": 5, "measuredAt": at(2), "reset": "rollover"},
                {"meterId": counter, "value": 7, "measuredAt": at(3)},
            ],
        )
    ).json()
    assert [r["status"] for r in body["results"]] == ["stored", "rejected", "stored", "stored"]
    assert "backwards" in body["results"][1]["reason"]
    assert (body["results"][1]["index"], body["results"][1]["code"]) == (1, "counter_backwards")


async def test_out_of_order_readings_are_checked_against_both_neighbours(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    counter = await meter(client, acme)
    await bulk(client, acme, points(counter, (10, 10), (30, 30)))
    late = (await bulk(client, acme, points(counter, (20, 20), (40, 25), (5, 15)))).json()
    assert [r["status"] for r in late["results"]] == ["stored", "rejected", "rejected"]
    assert "afterwards" in late["results"][1]["reason"]
    assert [r["code"] for r in late["results"]] == [None, "counter_ahead", "counter_backwards"]


async def test_readings_beyond_the_stored_range_meet_its_first_and_last_readings(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    """Before the first stored reading and after the last, the neighbour is that reading
    itself (the query takes it from the meter's range instead of a probe per reading)."""
    counter = await meter(client, acme)
    await bulk(client, acme, points(counter, (10, 10), (20, 20)))
    batch = points(counter, (3, 1), (15, 5), (18, 30), (25, 40))
    outside = (await bulk(client, acme, batch)).json()
    assert [r["status"] for r in outside["results"]] == [
        "stored",
        "rejected",
        "rejected",
        "stored",
    ]
    assert [r["code"] for r in outside["results"]] == [
        None,
        "counter_ahead",
        "counter_backwards",
        None,
    ]
    assert "10.0" in outside["results"][1]["reason"]
    assert "20.0" in outside["results"][2]["reason"]


async def test_item_rules_and_missing_sources(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    counter, gauge = await meter(client, acme), await meter(client, acme, "gauge")
    foreign = await meter(client, globex)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = (
        await bulk(
            client,
            acme,
            [
                {"meterId": counter, "value": 1, "measuredAt": at(0)},
                {"meterId": counter, "value": 1, "measuredAt": at(0)},
                {"meterId": foreign, "value": 1, "measuredAt": at(0)},
                {"meterId": counter, "value": 2, "measuredAt": future},
                {"meterId": gauge, "value": 2, "measuredAt": at(0), "reset": "rollover"},
            ],
        )
    ).json()
    assert [(r["status"], r["code"], r["reason"]) for r in body["results"]] == [
        ("stored", None, None),
        ("duplicate", None, None),
        ("rejected", "unknown_meter", "unknown meter"),
        ("rejected", "future", "measured in the future"),
        ("rejected", "reset_not_counter", "only counters are reset"),
    ]
    invalid = await bulk(
        client, acme, [{"meterId": counter, "value": "NaN", "measuredAt": "2026-01-01T00:00:00"}]
    )
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {
        "readings.0.value",
        "readings.0.measuredAt",
    }
    assert (await bulk(client, acme, [])).status_code == 422


async def test_single_readings_duplicates_conflicts_and_months_without_partition(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    counter = await meter(client, acme)
    url = f"/api/v1/meters/{counter}/readings"
    created = await client.post(
        url, headers=acme.headers("technician"), json={"value": 5, "measuredAt": at(10)}
    )
    assert created.status_code == 201, created.text
    again = await client.post(
        url, headers=acme.headers("technician"), json={"value": 5, "measuredAt": at(10)}
    )
    assert again.status_code == 409
    other = await client.post(
        url, headers=acme.headers("technician"), json={"value": 6, "measuredAt": at(10)}
    )
    assert (other.status_code, other.json()["errors"][0]["code"]) == (409, "conflict")
    backwards = await client.post(
        url, headers=acme.headers("admin"), json={"value": 1, "measuredAt": at(20)}
    )
    assert backwards.status_code == 422
    assert "backwards" in backwards.json()["detail"]

    async def partitions() -> int:
        with context.scoped(organization_id=acme.organization_id):
            async with sessions() as session:
                return int(
                    await session.scalar(
                        text(
                            "SELECT count(*) FROM pg_inherits"
                            " WHERE inhparent = 'meter_readings'::regclass"
                        )
                    )
                    or 0
                )

    before = await partitions()
    old = (datetime.now(UTC) - timedelta(days=700)).isoformat()
    refused = await client.post(
        url, headers=acme.headers("technician"), json={"value": 5, "measuredAt": old}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0] == {
        "field": "value",
        "message": refused.json()["detail"],
        "code": "no_partition",
    }
    assert await partitions() == before


async def test_readings_page_newest_first_and_series_buckets(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    gauge = await meter(client, acme, "gauge")
    await bulk(
        client,
        acme,
        [
            {"meterId": gauge, "value": v, "measuredAt": at(m)}
            for m, v in ((0, 10), (30, 20), (60, 40), (90, 60))
        ],
    )
    headers = acme.headers("admin")
    seen: list[float] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(f"/api/v1/meters/{gauge}/readings", headers=headers, params=params)
        ).json()
        seen += [r["value"] for r in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
    assert seen == [60, 40, 20, 10]
    series = await client.get(
        f"/api/v1/meters/{gauge}/readings/series",
        headers=headers,
        params={"from": at(0), "to": at(120), "bucket": "1h"},
    )
    assert series.json()["items"] == [
        {
            "bucketStart": at(0).replace("+00:00", "Z"),
            "count": 2,
            "avg": 15.0,
            "min": 10.0,
            "max": 20.0,
        },
        {
            "bucketStart": at(60).replace("+00:00", "Z"),
            "count": 2,
            "avg": 50.0,
            "min": 40.0,
            "max": 60.0,
        },
    ]
    quarters = await client.get(
        f"/api/v1/meters/{gauge}/readings/series",
        headers=headers,
        params={"from": at(0), "to": at(120), "bucket": "15m"},
    )
    assert [p["bucketStart"] for p in quarters.json()["items"]] == [
        at(m).replace("+00:00", "Z") for m in (0, 30, 60, 90)
    ]
    too_many = await client.get(
        f"/api/v1/meters/{gauge}/readings/series",
        headers=headers,
        params={"from": at(0), "to": at(60 * 24 * 30), "bucket": "1m"},
    )
    assert too_many.status_code == 422


async def test_meter_rules_scopes_and_tenants(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    counter = await meter(client, acme)
    asset = await make(client, acme, "G-ROLL")
    bad = await client.post(
        "/api/v1/meters",
        headers=acme.headers("admin"),
        json={
            "assetId": asset["id"],
            "name": "t",
            "unit": "C",
            "kind": "gauge",
            "rolloverValue": 100,
        },
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "rolloverValue")
    dup = await client.post(
        "/api/v1/meters",
        headers=acme.headers("admin"),
        json={"assetId": asset["id"], "name": "t", "unit": "C", "kind": "gauge"},
    )
    assert dup.status_code == 201
    assert (
        await client.post(
            "/api/v1/meters",
            headers=acme.headers("admin"),
            json={"assetId": asset["id"], "name": "t", "unit": "C", "kind": "gauge"},
        )
    ).status_code == 409
    assert (
        await client.get(f"/api/v1/meters/{counter}", headers=acme.headers("technician"))
    ).status_code == 200
    assert (
        await bulk(
            client, acme, [{"meterId": counter, "value": 1, "measuredAt": at(0)}], role="requester"
        )
    ).status_code == 403
    for response in (
        await client.get(f"/api/v1/meters/{counter}", headers=globex.headers("admin")),
        await client.get(f"/api/v1/meters/{counter}/readings", headers=globex.headers("admin")),
        await client.patch(
            f"/api/v1/meters/{counter}", headers=globex.headers("admin"), json={"name": "x"}
        ),
        await client.delete(f"/api/v1/meters/{counter}", headers=globex.headers("admin")),
    ):
        assert response.status_code == 404
    listed = await client.get(
        "/api/v1/meters", headers=acme.headers("admin"), params={"assetId": asset["id"]}
    )
    assert [m["name"] for m in listed.json()["items"]] == ["t"]
    assert (
        await client.delete(f"/api/v1/meters/{counter}", headers=acme.headers("admin"))
    ).status_code == 204
