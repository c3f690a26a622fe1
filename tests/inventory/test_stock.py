"""Stock per storeroom and the ledger: receipts at a moving-average cost, adjustments,
transfers, counts, reversals, levels, the low-stock event, reorder proposals, scopes, tenants.
Every balance is checked against the sum of its movements."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories.identity import Tenant
from tests.factories.inventory import (
    MOVEMENTS,
    PARTS,
    ledger_total,
    make_part,
    make_storeroom,
    move,
    receive,
    stock_in,
)


async def _balanced(
    client: httpx.AsyncClient, tenant: Tenant, part: dict[str, object], store: str
) -> dict[str, Decimal]:
    stock = await stock_in(client, tenant, part, store)
    assert await ledger_total(client, tenant, part, store) == stock["onHand"]
    return stock


async def test_receipts_move_the_average_cost(client: httpx.AsyncClient, acme: Tenant) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "OIL-1", unit="l", defaultUnitCost="3")
    first = await receive(client, acme, part, store, "10", "10")
    assert (first["kind"], first["quantity"], first["balanceAfter"]) == (
        "receipt",
        "10.000",
        "10.000",
    )
    await receive(client, acme, part, store, "30", "20")
    stock = await _balanced(client, acme, part, store)
    # (10 x 10 + 30 x 20) / 40
    assert (stock["onHand"], stock["averageUnitCost"]) == (Decimal(40), Decimal("17.5"))
    default_cost = await move(client, acme, part, store, "receipt", "5.5")
    assert default_cost.json()["items"][0]["unitCost"] == "3.0000"  # the part's default


async def test_adjustments_and_shortages(client: httpx.AsyncClient, acme: Tenant) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "GRS-1")
    await receive(client, acme, part, store, "5")
    no_reason = await move(client, acme, part, store, "adjustment", "-1")
    assert (no_reason.status_code, no_reason.json()["errors"][0]["field"]) == (422, "reason")
    short = await move(client, acme, part, store, "adjustment", "-6", reason="damaged")
    assert short.status_code == 409
    problem = short.json()
    assert problem["errors"][0] == {
        "field": "quantity",
        "message": "Only 5.000 available in this storeroom; 6 asked for.",
        "code": "insufficient_stock",
    }
    assert problem["available"] == "5.000"
    found = await move(client, acme, part, store, "adjustment", "2", reason="found in bin 3")
    lost = await move(client, acme, part, store, "adjustment", "-4", reason="damaged")
    assert (found.status_code, lost.status_code) == (201, 201)
    assert lost.json()["items"][0]["balanceAfter"] == "3.000"
    assert (await _balanced(client, acme, part, store))["onHand"] == 3


async def test_a_transfer_moves_stock_at_the_source_cost(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    north = await make_storeroom(client, acme, "ST-N")
    other = await make_storeroom(client, acme, "ST-2")
    part = await make_part(client, acme, "BLT-1")
    await receive(client, acme, part, north, "10", "8")
    await receive(client, acme, part, other, "10", "12")
    moved = await move(client, acme, part, north, "transfer", "4", toStoreroomId=other)
    assert moved.status_code == 201, moved.text
    out, into = moved.json()["items"]
    assert (out["kind"], out["quantity"], into["kind"], into["quantity"]) == (
        "transfer_out",
        "-4.000",
        "transfer_in",
        "4.000",
    )
    assert out["transferId"] == into["transferId"]
    assert out["unitCost"] == into["unitCost"] == "8.0000"
    assert (await _balanced(client, acme, part, north))["onHand"] == 6
    there = await _balanced(client, acme, part, other)
    assert (there["onHand"], there["averageUnitCost"]) == (
        14,
        Decimal("10.8571"),
    )  # (120 + 32) / 14
    to_itself = await move(client, acme, part, north, "transfer", "1", toStoreroomId=north)
    assert (to_itself.status_code, to_itself.json()["errors"][0]["field"]) == (422, "toStoreroomId")
    too_much = await move(client, acme, part, north, "transfer", "7", toStoreroomId=other)
    assert too_much.status_code == 409
    assert (await stock_in(client, acme, part, other))["onHand"] == 14  # nothing half-moved


async def test_a_count_posts_the_difference(client: httpx.AsyncClient, acme: Tenant) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "FUS-1")
    await receive(client, acme, part, store, "12")
    counted = await move(client, acme, part, store, "count", "9")
    assert counted.json()["items"][0]["quantity"] == "-3.000"
    agreed = await move(client, acme, part, store, "count", "9")
    assert agreed.json()["items"][0]["quantity"] == "0.000"  # the count itself is on record
    more = await move(client, acme, part, store, "count", "11")
    assert more.json()["items"][0]["quantity"] == "2.000"
    assert (await _balanced(client, acme, part, store))["onHand"] == 11


async def test_reversals(client: httpx.AsyncClient, acme: Tenant) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "SEAL-1")
    await receive(client, acme, part, store, "10", "10")
    wrong = await receive(client, acme, part, store, "10", "30")
    url = f"{MOVEMENTS}/{wrong['id']}/reverse"
    headers = acme.headers("inventory_clerk")
    reversed_ = await client.post(url, headers=headers, json={"reason": "wrong price"})
    assert reversed_.status_code == 201, reversed_.text
    undo = reversed_.json()["items"][0]
    assert (undo["kind"], undo["quantity"], undo["reversesId"]) == (
        "adjustment",
        "-10.000",
        wrong["id"],
    )
    stock = await _balanced(client, acme, part, store)
    assert (stock["onHand"], stock["averageUnitCost"]) == (10, 10)  # its price taken back out
    twice = await client.post(url, headers=headers, json={"reason": "again"})
    assert twice.status_code == 409
    of_a_reversal = await client.post(
        f"{MOVEMENTS}/{undo['id']}/reverse", headers=headers, json={"reason": "x"}
    )
    assert of_a_reversal.status_code == 409


async def test_levels_the_low_stock_event_and_the_reorder_proposal(
    client: httpx.AsyncClient, acme: Tenant, conn: AsyncConnection
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "FLT-9")
    await receive(client, acme, part, store, "10")
    url = f"{PARTS}/{part['id']}/stock/{store}"
    levels = {"bin": "A-01-3", "minQuantity": "2", "reorderPoint": "4", "maxQuantity": "20"}
    put = await client.put(url, headers=acme.headers("inventory_clerk"), json=levels)
    assert put.status_code == 200, put.text
    assert {key: put.json()[key] for key in levels} == {
        "bin": "A-01-3",
        "minQuantity": "2.000",
        "reorderPoint": "4.000",
        "maxQuantity": "20.000",
    }
    bad = await client.put(
        url, headers=acme.headers("inventory_clerk"), json={"reorderPoint": "5", "maxQuantity": "4"}
    )
    assert bad.status_code == 422
    for quantity in ("-5", "-2"):  # 5 left (not low), then 3 (low: the event)
        taken = await move(client, acme, part, store, "adjustment", quantity, reason="used")
        assert taken.status_code == 201
    await move(client, acme, part, store, "adjustment", "-1", reason="used")  # still low: no event
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(acme.organization_id)}
    )
    events = (
        (
            await conn.execute(
                text(
                    "SELECT payload FROM outbox"
                    " WHERE event_type = 'part.low_stock' AND entity_id = :p"
                ),
                {"p": part["id"]},
            )
        )
        .scalars()
        .all()
    )
    assert events == [{"storeroomId": store, "available": 3, "reorderPoint": 4, "maxQuantity": 20}]
    proposals = await client.get(
        "/api/v1/reorder-proposals", headers=acme.headers("inventory_clerk")
    )
    assert proposals.status_code == 200, proposals.text
    [proposal] = [p for p in proposals.json() if p["partId"] == part["id"]]
    assert (proposal["available"], proposal["quantity"], proposal["vendorId"]) == (
        "2.000",
        "18.000",
        None,
    )


async def test_site_scopes_roles_and_tenants(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    north = await make_storeroom(client, acme, "ST-N")
    south = await make_storeroom(client, acme, "ST-S", acme.south)
    part = await make_part(client, acme, "P-1")
    clerk = acme.headers("inventory_clerk")  # bound to NORTH
    await receive(client, acme, part, north, "3")
    outside = await move(client, acme, part, south, "receipt", "1")
    assert (outside.status_code, outside.json()["errors"][0]["field"]) == (422, "storeroomId")
    admin_south = await move(client, acme, part, south, "receipt", "1", role="admin")
    assert admin_south.status_code == 201
    seen = await client.get(f"{PARTS}/{part['id']}/stock", headers=clerk)
    assert [row["storeroomId"] for row in seen.json()["items"]] == [north]
    unstocked = await make_part(client, acme, "P-2")  # a part with no stock in reach: no rows
    none = await client.get(f"{PARTS}/{unstocked['id']}/stock", headers=clerk)
    assert (none.status_code, none.json()["items"]) == (200, [])
    listed = await client.get(MOVEMENTS, headers=clerk, params={"partId": part["id"]})
    assert {item["storeroomId"] for item in listed.json()["items"]} == {north}
    for role in ("technician", "supervisor", "requester", "contractor"):
        refused = await move(client, acme, part, north, "receipt", "1", role=role)
        assert refused.status_code == 403, role
    assert (await client.get(MOVEMENTS, headers=acme.headers("requester"))).status_code == 403
    not_a_storeroom = await move(
        client, acme, part, str(acme.north_area.id), "receipt", "1", role="admin"
    )
    assert (not_a_storeroom.status_code, not_a_storeroom.json()["errors"][0]["field"]) == (
        422,
        "storeroomId",
    )
    theirs = await move(client, globex, part, north, "receipt", "1", role="admin")
    assert (theirs.status_code, theirs.json()["errors"][0]["field"]) == (422, "partId")
    assert (
        await client.get(f"{PARTS}/{part['id']}/stock", headers=globex.headers("admin"))
    ).status_code == 404
    other = await client.get(
        MOVEMENTS, headers=globex.headers("admin"), params={"partId": part["id"]}
    )
    assert other.json()["items"] == []
    movement = listed.json()["items"][0]["id"]
    foreign = await client.post(
        f"{MOVEMENTS}/{movement}/reverse", headers=globex.headers("admin"), json={"reason": "x"}
    )
    assert foreign.status_code == 404


async def test_movements_leave_the_levels_etag_alone(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    """The ETag guards the levels someone edits, not the balance every movement changes."""
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "ET-1")
    url = f"{PARTS}/{part['id']}/stock/{store}"
    headers = acme.headers("inventory_clerk")
    first = await client.put(url, headers=headers, json={"reorderPoint": "2"})
    etag = first.headers["etag"]
    await receive(client, acme, part, store, "10")
    await move(client, acme, part, store, "adjustment", "-1", reason="damaged")
    again = await client.put(url, headers={**headers, "If-Match": etag}, json={"reorderPoint": "3"})
    assert again.status_code == 200, again.text
    stale = await client.put(url, headers={**headers, "If-Match": etag}, json={"reorderPoint": "4"})
    assert stale.status_code == 412
