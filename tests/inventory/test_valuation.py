"""Inventory value at moving-average cost, net issues per month and turns, per storeroom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.factories.identity import Tenant
from tests.factories.inventory import lines_url, make_part, make_storeroom, receive
from tests.factories.labor import assigned_work


async def test_value_issues_and_turns(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "V-1")
    await receive(client, acme, part, store, "10", "4")
    work = await assigned_work(client, acme)
    tech = acme.headers("technician")
    body = {"partId": part["id"], "storeroomId": store, "quantity": "3", "planned": False}
    line = (await client.post(lines_url(work), headers=tech, json=body)).json()
    back = await client.post(
        f"{lines_url(work)}/{line['id']}/return", headers=tech, json={"quantity": "1"}
    )
    assert back.status_code == 200, back.text
    value = await client.get("/api/v1/inventory/value", headers=acme.headers("inventory_clerk"))
    assert value.status_code == 200, value.text
    [row] = value.json()
    assert (row["storeroomId"], row["value"], row["issuedLastYear"], row["turns"]) == (
        store,
        "32.00",  # 8 left at 4.00
        "8.00",  # 12.00 issued, 4.00 returned
        "0.25",
    )
    today = datetime.now(UTC).date()
    params = {"since": str(today - timedelta(days=40)), "until": str(today)}
    issued = await client.get(
        "/api/v1/inventory/issues", headers=acme.headers("manager"), params=params
    )
    assert issued.status_code == 200, issued.text
    assert [(p["issuedValue"], p["movements"]) for p in issued.json()] == [("8.00", 2)]
    backwards = {"since": str(today), "until": str(today - timedelta(days=1))}
    refused = await client.get(
        "/api/v1/inventory/issues", headers=acme.headers("manager"), params=backwards
    )
    assert refused.status_code == 422
    assert (
        await client.get("/api/v1/inventory/value", headers=globex.headers("admin"))
    ).json() == []
    assert (
        await client.get("/api/v1/inventory/value", headers=acme.headers("requester"))
    ).status_code == 403
