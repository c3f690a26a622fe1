"""/api/v1/cycle-counts: a session of a storeroom (or a bin prefix, or a category), counted
while issues go on, posted as count movements of the difference at the moment of counting."""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.factories.identity import Tenant
from tests.factories.inventory import (
    PARTS,
    ledger_total,
    make_part,
    make_storeroom,
    move,
    receive,
    stock_in,
)

COUNTS = "/api/v1/cycle-counts"


async def _bin(
    client: httpx.AsyncClient, tenant: Tenant, part: dict[str, object], store: str, where: str
) -> None:
    put = await client.put(
        f"{PARTS}/{part['id']}/stock/{store}",
        headers=tenant.headers("inventory_clerk"),
        json={"bin": where},
    )
    assert put.status_code == 200, put.text


async def test_a_count_taken_while_stock_moves(client: httpx.AsyncClient, acme: Tenant) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    counted = await make_part(client, acme, "C-1")
    moving = await make_part(client, acme, "C-2")
    elsewhere = await make_part(client, acme, "C-3")
    for part, where in ((counted, "A-01"), (moving, "A-02"), (elsewhere, "B-01")):
        await receive(client, acme, part, store, "10")
        await _bin(client, acme, part, store, where)
    clerk = acme.headers("inventory_clerk")
    opened = await client.post(
        COUNTS, headers=clerk, json={"storeroomId": store, "binPrefix": "A-"}
    )
    assert opened.status_code == 201, opened.text
    count = opened.json()
    assert sorted(line["partId"] for line in count["lines"]) == sorted(
        [counted["id"], moving["id"]]
    )
    assert {line["expectedQuantity"] for line in count["lines"]} == {"10.000"}
    url = f"{COUNTS}/{count['id']}"
    body = {
        "lines": [
            {"partId": counted["id"], "countedQuantity": "8"},
            {"partId": moving["id"], "countedQuantity": "10"},
        ]
    }
    recorded = await client.post(f"{url}/counts", headers=clerk, json=body)
    assert recorded.status_code == 200, recorded.text
    # After the count: 4 of the counted-right part leave the storeroom (issues do not wait).
    taken = await move(client, acme, moving, store, "adjustment", "-4", reason="used")
    assert taken.status_code == 201
    posted = await client.post(f"{url}/post", headers=clerk)
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "posted"
    assert all(line["movementId"] for line in posted.json()["lines"])
    assert (await stock_in(client, acme, counted, store))["onHand"] == 8  # 2 short
    assert (await stock_in(client, acme, moving, store))["onHand"] == 6  # the count agreed
    for part in (counted, moving):
        stock = await stock_in(client, acme, part, store)
        assert await ledger_total(client, acme, part, store) == stock["onHand"]
    again = await client.post(f"{url}/post", headers=clerk)
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "status")
    assert (await stock_in(client, acme, elsewhere, store))["onHand"] == Decimal(10)


async def test_bad_counts_scopes_and_tenants(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    south = await make_storeroom(client, acme, "ST-S", acme.south)
    part = await make_part(client, acme, "K-1", category="seals")
    await receive(client, acme, part, store, "3")
    clerk = acme.headers("inventory_clerk")
    nothing = await client.post(
        COUNTS, headers=clerk, json={"storeroomId": store, "category": "belts"}
    )
    assert (nothing.status_code, nothing.json()["errors"][0]["code"]) == (422, "nothing_to_count")
    outside = await client.post(COUNTS, headers=clerk, json={"storeroomId": south})
    assert (outside.status_code, outside.json()["errors"][0]["field"]) == (422, "storeroomId")
    count = (
        await client.post(COUNTS, headers=clerk, json={"storeroomId": store, "category": "seals"})
    ).json()
    url = f"{COUNTS}/{count['id']}"
    twice = await client.post(COUNTS, headers=clerk, json={"storeroomId": store})
    assert twice.json()["errors"][0]["code"] == "nothing_to_count"  # K-1 is being counted
    stranger = await make_part(client, acme, "K-2")
    wrong = await client.post(
        f"{url}/counts",
        headers=clerk,
        json={"lines": [{"partId": stranger["id"], "countedQuantity": "1"}]},
    )
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "lines[0].partId")
    negative = await client.post(
        f"{url}/counts",
        headers=clerk,
        json={"lines": [{"partId": part["id"], "countedQuantity": "-1"}]},
    )
    assert negative.status_code == 422
    assert (await client.get(url, headers=globex.headers("admin"))).status_code == 404
    assert (await client.post(f"{url}/post", headers=globex.headers("admin"))).status_code == 404
    assert (await client.post(f"{url}/post", headers=acme.headers("technician"))).status_code == 403
    cancelled = await client.post(f"{url}/cancel", headers=clerk)
    assert cancelled.json()["status"] == "cancelled"
    listed = await client.get(COUNTS, headers=clerk, params={"status": "cancelled"})
    assert [c["id"] for c in listed.json()["items"]] == [count["id"]]
