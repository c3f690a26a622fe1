"""Bulk ingestion: resends with another value, times without a partition, one neighbour query
per batch whatever the number of meters, and a batch limit that fits the body limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.config import HttpSettings
from maintainpro.core import context
from maintainpro.core.db import Database
from maintainpro.meter.schemas import MAX_BATCH
from tests.asset.test_routes import make
from tests.factories.identity import Tenant
from tests.meter.test_readings import at, bulk

URL = "/api/v1/meter-readings/bulk"


async def meter(client: httpx.AsyncClient, tenant: Tenant, kind: str = "counter") -> str:
    asset = await make(client, tenant, f"I-{uuid4().hex[:12]}")
    response = await client.post(
        "/api/v1/meters",
        headers=tenant.headers("admin"),
        json={"assetId": asset["id"], "name": "m", "unit": "h", "kind": kind},
    )
    assert response.status_code == 201, response.text
    meter_id: str = response.json()["id"]
    return meter_id


async def test_a_resend_with_another_value_is_a_conflict_not_a_duplicate(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    counter, gauge = await meter(client, acme), await meter(client, acme, "gauge")
    first = await bulk(
        client,
        acme,
        [
            {"meterId": counter, "value": 10, "measuredAt": at(0), "source": "gw"},
            {"meterId": gauge, "value": 20.5, "measuredAt": at(0)},
        ],
    )
    assert first.json()["stored"] == 2
    body = (
        await bulk(
            client,
            acme,
            [
                {"meterId": counter, "value": 11, "measuredAt": at(0), "source": "gw"},
                {"meterId": counter, "value": 10, "measuredAt": at(0), "source": "other"},
                {"meterId": gauge, "value": 20.5, "measuredAt": at(0)},
                {"meterId": gauge, "value": 30, "measuredAt": at(5)},
                {"meterId": gauge, "value": 31, "measuredAt": at(5)},
                {"meterId": gauge, "value": 30, "measuredAt": at(5)},
            ],
        )
    ).json()
    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("conflict", "conflict"),
        ("stored", None),
        ("duplicate", None),
        ("stored", None),
        ("conflict", "conflict"),
        ("duplicate", None),
    ]
    assert "value 10.0 is stored" in body["results"][0]["reason"]
    assert "item 3" in body["results"][4]["reason"]
    assert (body["stored"], body["duplicates"], body["conflicts"], body["rejected"]) == (2, 2, 2, 0)
    listed = await client.get(f"/api/v1/meters/{gauge}/readings", headers=acme.headers("admin"))
    assert sorted(r["value"] for r in listed.json()["items"]) == [20.5, 30]


async def test_times_without_a_partition_are_rejected_per_item_and_create_none(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    counter = await meter(client, acme)

    async def partitions() -> list[str]:
        with context.scoped(organization_id=acme.organization_id):
            async with sessions() as session:
                rows = await session.scalars(
                    text(
                        "SELECT inhrelid::regclass::text FROM pg_inherits"
                        " WHERE inhparent = 'meter_readings'::regclass ORDER BY 1"
                    )
                )
                return list(rows)

    before = await partitions()
    now = datetime.now(UTC)
    response = await bulk(
        client,
        acme,
        [
            {"meterId": counter, "value": 1, "measuredAt": (now - timedelta(days=400)).isoformat()},
            {"meterId": counter, "value": 2, "measuredAt": at(0)},
            {"meterId": counter, "value": 3, "measuredAt": (now - timedelta(days=90)).isoformat()},
        ],
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "no_partition"),
        ("stored", None),
        ("rejected", "no_partition"),
    ]
    assert "no partition" in results[0]["reason"]
    assert await partitions() == before


@contextmanager
def counting(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def test_one_batch_reads_its_neighbours_in_one_query_whatever_the_meters(
    client: httpx.AsyncClient, acme: Tenant, database: Database
) -> None:
    one = await meter(client, acme)
    many = [await meter(client, acme) for _ in range(12)]
    await bulk(client, acme, [{"meterId": m, "value": 1, "measuredAt": at(0)} for m in many])
    await bulk(client, acme, [{"meterId": one, "value": 1, "measuredAt": at(0)}])
    counts = []
    for meters in ([one] * 12, many):
        readings = [
            {"meterId": m, "value": 1 + i, "measuredAt": at(1 + i)} for i, m in enumerate(meters)
        ]
        with counting(database) as statements:
            response = await bulk(client, acme, readings)
        assert response.json()["stored"] == 12, response.text
        counts.append(len(statements))
        assert sum("meter_readings s" in s for s in statements) == 1, statements
    assert counts[0] == counts[1]


def _largest_batch(counter: str) -> list[dict[str, object]]:
    """5,000 readings with every field at its longest: full-precision values, microsecond times
    with an offset, a 100-character source and a reset."""
    zone = timezone(timedelta(hours=-9, minutes=-30))
    start = datetime.now(UTC) - timedelta(days=2)
    return [
        {
            "meterId": counter,
            "value": -123456789.01234567 - i,
            "measuredAt": (start + timedelta(seconds=i, microseconds=123456))
            .astimezone(zone)
            .isoformat(),
            "source": f"{i:05d}".ljust(100, "s"),
            "reset": "replacement",
        }
        for i in range(MAX_BATCH)
    ]


async def test_the_largest_batch_fits_the_body_limit_and_one_more_is_a_422(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    counter = await meter(client, acme)
    readings = _largest_batch(counter)
    content = json.dumps({"readings": readings}, indent=2).encode()
    assert len(content) > 1_048_576  # more than the former default limit
    assert len(content) * 2 < HttpSettings().max_body_bytes  # and with headroom
    headers = {**acme.headers("admin"), "content-type": "application/json"}
    response = await client.post(URL, headers=headers, content=content)
    assert response.status_code == 200, response.text[:500]
    assert response.json()["stored"] == MAX_BATCH
    small = [{"meterId": counter, "value": 1, "measuredAt": at(0)}] * (MAX_BATCH + 1)
    over = await client.post(URL, headers=acme.headers("admin"), json={"readings": small})
    assert over.status_code == 422
    assert over.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in over.json()["errors"]] == ["readings"]
