"""/api/v1/parts: the catalogue, its validation, search and filters, roles and tenants."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant
from tests.factories.inventory import PARTS, make_part, make_storeroom, make_vendor, receive


async def test_a_part_is_created_read_changed_and_deleted(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    body = {
        "partNumber": "BRG-6204",
        "name": "Deep groove ball bearing 6204",
        "unit": "each",
        "manufacturer": "SKF",
        "manufacturerPartNumber": "6204-2RSH",
        "barcode": "7316577227542",
        "criticality": "high",
        "defaultUnitCost": "7.4500",
        "category": "bearings",
    }
    created = await client.post(PARTS, headers=acme.headers("inventory_clerk"), json=body)
    assert created.status_code == 201, created.text
    part = created.json()
    assert {key: part[key] for key in body} == body
    assert created.headers["etag"] == 'W/"1"'
    got = await client.get(f"{PARTS}/{part['id']}", headers=acme.headers("technician"))
    assert got.json() == part
    changed = await client.patch(
        f"{PARTS}/{part['id']}",
        headers={**acme.headers("inventory_clerk"), "If-Match": 'W/"1"'},
        json={"name": "Ball bearing 6204", "barcode": None},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["barcode"]) == ("Ball bearing 6204", None)
    stale = await client.patch(
        f"{PARTS}/{part['id']}",
        headers={**acme.headers("inventory_clerk"), "If-Match": 'W/"1"'},
        json={"name": "Again"},
    )
    assert stale.status_code == 412
    gone = await client.delete(f"{PARTS}/{part['id']}", headers=acme.headers("inventory_clerk"))
    assert gone.status_code == 204
    assert (
        await client.get(f"{PARTS}/{part['id']}", headers=acme.headers("admin"))
    ).status_code == 404
    again = await client.post(PARTS, headers=acme.headers("admin"), json=body)
    assert again.status_code == 201  # a deleted part's number is free again


async def test_numbers_are_unique_among_live_parts_and_bad_input_names_its_field(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    await make_part(client, acme, "FLT-1")
    taken = await client.post(
        PARTS, headers=acme.headers("admin"), json={"partNumber": "FLT-1", "name": "Twin"}
    )
    assert taken.status_code == 409
    assert taken.headers["content-type"] == "application/problem+json"
    assert taken.json()["errors"][0]["field"] == "partNumber"
    for body, field in (
        ({"name": "No number"}, "partNumber"),
        ({"partNumber": "X", "name": "X", "defaultUnitCost": "-1"}, "defaultUnitCost"),
        ({"partNumber": "X", "name": "X", "criticality": "vital"}, "criticality"),
        ({"partNumber": "X", "name": "X", "colour": "red"}, "colour"),
    ):
        refused = await client.post(PARTS, headers=acme.headers("admin"), json=body)
        assert refused.status_code == 422, body
        assert refused.json()["errors"][0]["field"] == field
    part = await make_part(client, acme, "FLT-2")
    nulled = await client.patch(
        f"{PARTS}/{part['id']}", headers=acme.headers("admin"), json={"name": None}
    )
    assert (nulled.status_code, nulled.json()["errors"][0]["field"]) == (422, "name")


async def test_search_and_filters(client: httpx.AsyncClient, acme: Tenant) -> None:
    await make_part(client, acme, "V-100", name="Gate valve DN50", category="valves")
    await make_part(client, acme, "V-200", name="Ball valve DN25", category="valves")
    await make_part(client, acme, "B-100", name="V-belt SPZ 1250", category="belts", barcode="4006")
    found = await client.get(PARTS, headers=acme.headers("technician"), params={"q": "gate"})
    assert [p["partNumber"] for p in found.json()["items"]] == ["V-100"]
    valves = await client.get(
        PARTS, headers=acme.headers("technician"), params={"category": "valves"}
    )
    assert [p["name"] for p in valves.json()["items"]] == ["Ball valve DN25", "Gate valve DN50"]
    scanned = await client.get(
        PARTS, headers=acme.headers("technician"), params={"barcode": "4006"}
    )
    assert [p["partNumber"] for p in scanned.json()["items"]] == ["B-100"]
    first = await client.get(PARTS, headers=acme.headers("admin"), params={"limit": 2})
    rest = await client.get(
        PARTS,
        headers=acme.headers("admin"),
        params={"limit": 2, "cursor": first.json()["nextCursor"]},
    )
    names = [p["name"] for p in first.json()["items"] + rest.json()["items"]]
    assert names == sorted(names)
    assert len(names) == 3


async def test_roles_and_tenants(client: httpx.AsyncClient, acme: Tenant, globex: Tenant) -> None:
    part = await make_part(client, acme, "P-1")
    for role in ("technician", "supervisor", "contractor", "requester"):
        made = await client.post(
            PARTS, headers=acme.headers(role), json={"partNumber": "Z", "name": "Z"}
        )
        assert made.status_code == 403, role
    for role in ("contractor", "requester"):
        assert (await client.get(PARTS, headers=acme.headers(role))).status_code == 403
    url = f"{PARTS}/{part['id']}"
    assert (await client.get(url, headers=globex.headers("admin"))).status_code == 404
    patched = await client.patch(url, headers=globex.headers("admin"), json={"name": "Mine"})
    assert patched.status_code == 404
    assert (await client.delete(url, headers=globex.headers("admin"))).status_code == 404
    listed = await client.get(PARTS, headers=globex.headers("admin"), params={"q": "P-1"})
    assert listed.json()["items"] == []


async def test_stock_and_vendor_filters(client: httpx.AsyncClient, acme: Tenant) -> None:
    north = await make_storeroom(client, acme, "ST-N")
    other = await make_storeroom(client, acme, "ST-2")
    low = await make_part(client, acme, "F-LOW", name="A low one")
    full = await make_part(client, acme, "F-FULL", name="B full one")
    unstocked = await make_part(client, acme, "F-NONE", name="C unstocked")
    await receive(client, acme, low, north, "2")
    await receive(client, acme, full, north, "50")
    await receive(client, acme, full, other, "1")
    for part in (low, full):
        put = await client.put(
            f"{PARTS}/{part['id']}/stock/{north}",
            headers=acme.headers("inventory_clerk"),
            json={"reorderPoint": "5"},
        )
        assert put.status_code == 200
    vendor = await make_vendor(client, acme)
    offered = await client.post(
        f"{PARTS}/{unstocked['id']}/vendors",
        headers=acme.headers("inventory_clerk"),
        json={"vendorId": vendor, "price": "3"},
    )
    assert offered.status_code == 201

    async def numbers(**params: object) -> list[str]:
        found = await client.get(PARTS, headers=acme.headers("inventory_clerk"), params=params)
        assert found.status_code == 200, found.text
        return [p["partNumber"] for p in found.json()["items"]]

    assert await numbers(storeroomId=north) == ["F-LOW", "F-FULL"]
    assert await numbers(storeroomId=other) == ["F-FULL"]
    assert await numbers(belowReorderPoint="true") == ["F-LOW"]
    assert await numbers(storeroomId=other, belowReorderPoint="true") == []
    assert await numbers(vendorId=vendor) == ["F-NONE"]
