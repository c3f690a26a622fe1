"""/api/v1/assets/{id}/parts: the spare parts that fit an asset, kept by the stores, read by
whoever may read the asset."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant
from tests.factories.inventory import make_part, make_storeroom, receive
from tests.factories.work_order import make_asset


async def test_fitting_parts_to_an_asset(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    asset = await make_asset(client, acme, "PMP-1")
    seal = await make_part(client, acme, "SEAL-1", unit="each")
    bearing = await make_part(client, acme, "BRG-1")
    store = await make_storeroom(client, acme, "ST-1")
    await receive(client, acme, seal, store, "7")
    url = f"/api/v1/assets/{asset['id']}/parts"
    clerk = acme.headers("inventory_clerk")
    assert (
        await client.put(f"{url}/{seal['id']}", headers=clerk, json={"quantity": "2"})
    ).status_code == 204
    assert (await client.put(f"{url}/{bearing['id']}", headers=clerk, json={})).status_code == 204
    assert (
        await client.put(f"{url}/{seal['id']}", headers=clerk, json={"quantity": "4"})
    ).status_code == 204
    listed = await client.get(url, headers=acme.headers("technician"))  # the asset is in NORTH
    assert listed.status_code == 200, listed.text
    assert [(p["partNumber"], p["quantity"], p["available"]) for p in listed.json()["items"]] == [
        ("BRG-1", "1.000", "0"),
        ("SEAL-1", "4.000", "7.000"),
    ]
    assert (await client.delete(f"{url}/{bearing['id']}", headers=clerk)).status_code == 204
    assert (await client.delete(f"{url}/{bearing['id']}", headers=clerk)).status_code == 404
    zero = await client.put(f"{url}/{seal['id']}", headers=clerk, json={"quantity": "0"})
    assert zero.status_code == 422
    unknown = await client.put(f"{url}/{asset['id']}", headers=clerk, json={})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "partId")
    assert (
        await client.put(f"{url}/{seal['id']}", headers=acme.headers("technician"), json={})
    ).status_code == 403
    assert (await client.get(url, headers=globex.headers("admin"))).status_code == 404
    foreign = await client.put(f"{url}/{seal['id']}", headers=globex.headers("admin"), json={})
    assert foreign.status_code == 404
