"""/api/v1/parts/{id}/vendors and /api/v1/vendor-parts/{id}: who sells a part, one preferred
offer per part, and the offer that prices purchase orders."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant
from tests.factories.inventory import PARTS, make_order, make_part, make_storeroom, make_vendor


async def test_offers_and_the_one_preferred(client: httpx.AsyncClient, acme: Tenant) -> None:
    part = await make_part(client, acme, "BRG-9", defaultUnitCost="10")
    skf = await make_vendor(client, acme, "SKF")
    fag = await make_vendor(client, acme, "FAG")
    url = f"{PARTS}/{part['id']}/vendors"
    clerk = acme.headers("inventory_clerk")
    first = await client.post(
        url,
        headers=clerk,
        json={"vendorId": skf, "vendorPartNumber": "6209-2RS", "price": "8.9", "preferred": True},
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        url,
        headers=clerk,
        json={"vendorId": fag, "price": "8.1", "leadTimeDays": 14, "preferred": True},
    )
    assert second.status_code == 201, second.text
    listed = (await client.get(url, headers=acme.headers("technician"))).json()["items"]
    assert [(o["vendorId"], o["preferred"]) for o in listed] == [(fag, True), (skf, False)]
    twice = await client.post(url, headers=clerk, json={"vendorId": skf, "price": "1"})
    assert (twice.status_code, twice.json()["errors"][0]["field"]) == (409, "vendorId")
    store = await make_storeroom(client, acme, "ST-1")
    order = await make_order(client, acme, skf, store, [{"partId": part["id"], "quantity": "1"}])
    assert (order["lines"][0]["unitPrice"], order["lines"][0]["vendorPartNumber"]) == (
        "8.9000",
        "6209-2RS",
    )  # the order's vendor's offer, preferred or not
    offer = f"/api/v1/vendor-parts/{first.json()['id']}"
    changed = await client.patch(
        offer, headers={**clerk, "If-Match": 'W/"1"'}, json={"price": "9.2", "preferred": True}
    )
    assert changed.status_code == 200, changed.text
    listed = (await client.get(url, headers=clerk)).json()["items"]
    assert [(o["vendorId"], o["preferred"]) for o in listed] == [(skf, True), (fag, False)]
    nulled = await client.patch(offer, headers=clerk, json={"price": None})
    assert (nulled.status_code, nulled.json()["errors"][0]["field"]) == (422, "price")
    assert (await client.delete(offer, headers=clerk)).status_code == 204
    assert len((await client.get(url, headers=clerk)).json()["items"]) == 1


async def test_roles_and_tenants(client: httpx.AsyncClient, acme: Tenant, globex: Tenant) -> None:
    part = await make_part(client, acme, "P-1")
    vendor = await make_vendor(client, acme)
    url = f"{PARTS}/{part['id']}/vendors"
    body = {"vendorId": vendor, "price": "1"}
    for role in ("technician", "supervisor", "requester"):
        assert (await client.post(url, headers=acme.headers(role), json=body)).status_code == 403
    made = await client.post(url, headers=acme.headers("admin"), json=body)
    offer = f"/api/v1/vendor-parts/{made.json()['id']}"
    assert (await client.get(url, headers=globex.headers("admin"))).status_code == 404
    foreign = await client.patch(offer, headers=globex.headers("admin"), json={"price": "2"})
    assert foreign.status_code == 404
    assert (await client.delete(offer, headers=globex.headers("admin"))).status_code == 404
    their_vendor = await make_vendor(client, globex)
    wrong = await client.post(
        url, headers=acme.headers("admin"), json={**body, "vendorId": their_vendor}
    )
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "vendorId")
