"""Series buckets of an hour and more start at the organization's local time, not UTC."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.factories.identity import Tenant
from tests.meter.test_readings import bulk, meter

TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9 all year: local midnight is 15:00 UTC the day before


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def _series(
    client: httpx.AsyncClient, tenant: Tenant, gauge: str, bucket: str, since: datetime
) -> list[tuple[str, int]]:
    response = await client.get(
        f"/api/v1/meters/{gauge}/readings/series",
        headers=tenant.headers("admin"),
        params={"from": iso(since), "to": iso(since + timedelta(days=3)), "bucket": bucket},
    )
    assert response.status_code == 200, response.text
    return [(p["bucketStart"], p["count"]) for p in response.json()["items"]]


async def test_day_week_and_month_buckets_start_at_local_midnight(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    changed = await client.patch(
        "/api/v1/organization", headers=acme.headers("admin"), json={"timezone": "Asia/Tokyo"}
    )
    assert changed.status_code == 200, changed.text
    gauge = await meter(client, acme, "gauge")
    local_now = (datetime.now(UTC) - timedelta(hours=1)).astimezone(TOKYO)
    day = local_now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    monday = day - timedelta(days=day.weekday())
    month = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    half = timedelta(minutes=30)
    moments = sorted({m + d for m in (day, monday, month) for d in (-half, half)})
    response = await bulk(
        client,
        acme,
        [{"meterId": gauge, "value": 1, "measuredAt": iso(m)} for m in moments],
    )
    assert response.json()["stored"] == len(moments), response.text
    # Half an hour either side of a local midnight falls in two buckets, though both are on
    # the same UTC day (14:30 and 15:30 UTC).
    for bucket, since in (("1d", day - half), ("1w", monday - half), ("1mo", month - half)):
        expected = Counter(
            iso(_local_start(bucket, m)) for m in moments if since <= m < since + timedelta(days=3)
        )
        assert await _series(client, acme, gauge, bucket, since) == sorted(expected.items())
        assert len(expected) >= 2


def _local_start(bucket: str, moment: datetime) -> datetime:
    local = moment.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "1w":
        return local - timedelta(days=local.weekday())
    return local.replace(day=1) if bucket == "1mo" else local
