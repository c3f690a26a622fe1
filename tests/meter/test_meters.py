"""Meter rules on update."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant
from tests.meter.test_readings import meter


async def test_a_gauge_cannot_be_given_a_rollover_value(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    gauge, counter = await meter(client, acme, "gauge"), await meter(client, acme, name="c")
    url = f"/api/v1/meters/{gauge}"
    refused = await client.patch(url, headers=acme.headers("admin"), json={"rolloverValue": 100})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["rolloverValue"]
    got = await client.get(url, headers=acme.headers("admin"))
    assert got.json()["rolloverValue"] is None
    cleared = await client.patch(url, headers=acme.headers("admin"), json={"rolloverValue": None})
    assert cleared.status_code == 200
    allowed = await client.patch(
        f"/api/v1/meters/{counter}", headers=acme.headers("admin"), json={"rolloverValue": 1e6}
    )
    assert (allowed.status_code, allowed.json()["rolloverValue"]) == (200, 1e6)
