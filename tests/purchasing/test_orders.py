"""/api/v1/purchase-orders: drafts and their prices, numbering, the status machine with
approval by role and by amount, receipts at the order's price with the moving-average cost,
a draft per vendor from the reorder proposals, the printable order, roles and tenants."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories.identity import Tenant
from tests.factories.inventory import (
    ORDERS,
    PARTS,
    ledger_total,
    make_order,
    make_part,
    make_storeroom,
    make_vendor,
    receive,
    stock_in,
    walk,
)

UNIT = Decimal("0.0001")


async def _receipt(
    client: httpx.AsyncClient, tenant: Tenant, order: dict[str, object], line: str, quantity: str
) -> httpx.Response:
    body = {"lines": [{"lineId": line, "quantity": quantity}]}
    return await client.post(
        f"{ORDERS}/{order['id']}/receipts", headers=tenant.headers("inventory_clerk"), json=body
    )


async def test_partial_receipts_fill_the_order_at_its_price(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "BRG-1", defaultUnitCost="5")
    await receive(client, acme, part, store, "10", "4")
    vendor = await make_vendor(client, acme)
    order = await make_order(
        client, acme, vendor, store, [{"partId": part["id"], "quantity": "10", "unitPrice": "7"}]
    )
    assert (order["number"], order["status"], order["total"]) == ("PO-000001", "draft", "70.00")
    line = order["lines"][0]["id"]
    early = await _receipt(client, acme, order, line, "1")
    assert (early.status_code, early.json()["errors"][0]["field"]) == (409, "status")
    order = await walk(client, acme, order, ("submitted", "inventory_clerk"))
    assert order["status"] == "submitted"  # no threshold set: every order waits for approval
    refused = await client.post(
        f"{ORDERS}/{order['id']}/transitions",
        headers=acme.headers("inventory_clerk"),
        json={"to": "approved"},
    )
    assert refused.status_code == 409
    assert refused.json()["allowedTargets"] == ["cancelled"]
    order = await walk(client, acme, order, ("approved", "manager"), ("ordered", "inventory_clerk"))
    first = await _receipt(client, acme, order, line, "3")
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "partially_received"
    assert first.json()["lines"][0]["receivedQuantity"] == "3.000"
    too_many = await _receipt(client, acme, order, line, "8")
    assert (too_many.status_code, too_many.json()["errors"][0]["field"]) == (
        422,
        "lines[0].quantity",
    )
    rest = await _receipt(client, acme, order, line, "7")
    assert rest.json()["status"] == "received"
    stock = await stock_in(client, acme, part, store)
    assert stock["onHand"] == 20
    assert await ledger_total(client, acme, part, store) == 20
    after_three = ((10 * Decimal(4) + 3 * Decimal(7)) / 13).quantize(UNIT, ROUND_HALF_UP)
    after_ten = ((13 * after_three + 7 * Decimal(7)) / 20).quantize(UNIT, ROUND_HALF_UP)
    assert stock["averageUnitCost"] == after_ten
    listed = await client.get(f"{ORDERS}/{order['id']}/receipts", headers=acme.headers("admin"))
    assert [r["quantity"] for r in listed.json()["items"]] == ["3.000", "7.000"]
    closed = await walk(client, acme, rest.json(), ("closed", "inventory_clerk"))
    assert closed["status"] == "closed"


async def test_a_foreign_currency_enters_stock_at_its_rate(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "BRG-1")
    vendor = await make_vendor(client, acme)
    rates = {"currency": "EUR", "exchangeRates": {"USD": 0.9}, "approvalThreshold": 50}
    changed = await client.patch(
        "/api/v1/organization",
        headers=acme.headers("admin"),
        json={"settings": {"purchasing": rates}},
    )
    assert changed.status_code == 200, changed.text

    async def order_in(currency: str, quantity: str) -> dict[str, object]:
        lines = [{"partId": part["id"], "quantity": quantity, "unitPrice": "10"}]
        body = {"vendorId": vendor, "storeroomId": store, "currency": currency, "lines": lines}
        made = await client.post(ORDERS, headers=acme.headers("inventory_clerk"), json=body)
        assert made.status_code == 201, made.text
        return await walk(client, acme, made.json(), ("submitted", "inventory_clerk"))

    # 55.00 USD is 49.50 EUR: within the threshold; 60.00 USD (54 EUR) waits for approval.
    assert (await order_in("USD", "5.5"))["status"] == "approved"
    usd = await order_in("USD", "6")
    assert usd["status"] == "submitted"
    usd = await walk(client, acme, usd, ("approved", "manager"), ("ordered", "inventory_clerk"))
    got = await _receipt(client, acme, usd, usd["lines"][0]["id"], "6")
    assert got.status_code == 201, got.text
    assert (await stock_in(client, acme, part, store))["averageUnitCost"] == Decimal("9.0000")
    listed = await client.get(f"{ORDERS}/{usd['id']}/receipts", headers=acme.headers("admin"))
    assert listed.json()["items"][0]["exchangeRate"] == "0.90000000"
    gbp = await order_in("GBP", "1")
    assert gbp["status"] == "submitted"  # no rate: its worth is unknown, an approver decides
    gbp = await walk(client, acme, gbp, ("approved", "manager"), ("ordered", "inventory_clerk"))
    refused = await _receipt(client, acme, gbp, gbp["lines"][0]["id"], "1")
    assert refused.status_code == 409
    assert refused.json()["errors"][0] == {
        "field": "currency",
        "message": "No exchange rate for GBP: set settings.purchasing.exchangeRates.GBP.",
        "code": "no_exchange_rate",
    }
    assert (await stock_in(client, acme, part, store))["onHand"] == 6


async def test_prices_lines_edits_and_the_threshold(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "FLT-1", defaultUnitCost="12.5")
    other = await make_part(client, acme, "FLT-2", defaultUnitCost="3")
    vendor = await make_vendor(client, acme)
    order = await make_order(client, acme, vendor, store, [{"partId": part["id"], "quantity": "2"}])
    assert (order["lines"][0]["unitPrice"], order["total"]) == ("12.5000", "25.00")
    url = f"{ORDERS}/{order['id']}"
    lines = [{"partId": part["id"], "quantity": "2"}, {"partId": other["id"], "quantity": "5"}]
    edited = await client.patch(
        url, headers={**acme.headers("inventory_clerk"), "If-Match": 'W/"1"'}, json={"lines": lines}
    )
    assert edited.status_code == 200, edited.text
    assert (len(edited.json()["lines"]), edited.json()["total"]) == (2, "40.00")
    settings = {"settings": {"purchasing": {"approvalThreshold": 50}}}
    changed = await client.patch(
        "/api/v1/organization", headers=acme.headers("admin"), json=settings
    )
    assert changed.status_code == 200, changed.text
    submitted = await walk(client, acme, edited.json(), ("submitted", "inventory_clerk"))
    assert submitted["status"] == "approved"  # 40.00 is within the threshold
    assert submitted["approvedBy"] == str(acme.users["inventory_clerk"].id)
    locked = await client.patch(url, headers=acme.headers("inventory_clerk"), json={"notes": "x"})
    assert (locked.status_code, locked.json()["errors"][0]["field"]) == (409, "status")
    no_reason = await client.post(
        f"{url}/transitions", headers=acme.headers("inventory_clerk"), json={"to": "cancelled"}
    )
    assert (no_reason.status_code, no_reason.json()["errors"][0]["field"]) == (422, "reason")
    second = await make_order(
        client, acme, vendor, store, [{"partId": part["id"], "quantity": "1"}]
    )
    assert second["number"] == "PO-000002"
    gone = await client.delete(f"{ORDERS}/{second['id']}", headers=acme.headers("inventory_clerk"))
    assert gone.status_code == 204
    bad = await client.post(
        ORDERS,
        headers=acme.headers("inventory_clerk"),
        json={
            "vendorId": vendor,
            "storeroomId": store,
            "lines": [{"partId": vendor, "quantity": "1"}],
        },
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "lines[0].partId")
    empty = await client.post(
        ORDERS,
        headers=acme.headers("inventory_clerk"),
        json={"vendorId": vendor, "storeroomId": store, "lines": []},
    )
    assert (empty.status_code, empty.json()["errors"][0]["field"]) == (422, "lines")


async def test_a_draft_per_vendor_from_the_reorder_proposals(
    client: httpx.AsyncClient, acme: Tenant, conn: AsyncConnection
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    offered = await make_part(client, acme, "O-1")
    unoffered = await make_part(client, acme, "U-1")
    vendor = await make_vendor(client, acme)
    for part in (offered, unoffered):
        await receive(client, acme, part, store, "3")
        put = await client.put(
            f"{PARTS}/{part['id']}/stock/{store}",
            headers=acme.headers("inventory_clerk"),
            json={"reorderPoint": "5", "maxQuantity": "20"},
        )
        assert put.status_code == 200
    await conn.execute(
        text(
            "INSERT INTO vendor_parts (id, organization_id, vendor_id, part_id, vendor_part_number,"
            " price, currency, minimum_order_quantity, preferred)"
            " VALUES (app.uuidv7(), :org, :vendor, :part, 'SKF-O1', 2.5, 'EUR', 25, true)"
        ),
        {"org": acme.organization_id, "vendor": vendor, "part": offered["id"]},
    )
    made = await client.post(
        f"{ORDERS}/from-reorder-proposals", headers=acme.headers("inventory_clerk"), json={}
    )
    assert made.status_code == 201, made.text
    [order] = made.json()["purchaseOrders"]
    assert made.json()["skippedPartIds"] == [unoffered["id"]]
    assert (order["vendorId"], order["storeroomId"], order["status"]) == (vendor, store, "draft")
    [line] = order["lines"]
    # 17 fill it up to its maximum, the vendor sells no fewer than 25
    assert (line["partId"], line["quantity"], line["unitPrice"]) == (
        offered["id"],
        "25.000",
        "2.5000",
    )
    assert line["vendorPartNumber"] == "SKF-O1"
    printed = await client.get(f"{ORDERS}/{order['id']}/print", headers=acme.headers("admin"))
    assert printed.status_code == 200
    assert printed.headers["content-type"].startswith("text/html")
    assert order["number"] in printed.text
    assert "SKF-O1" in printed.text
    assert "62.50" in printed.text
    # The draft is on order: a second run proposes the part again only once it is cancelled.
    again = await client.get("/api/v1/reorder-proposals", headers=acme.headers("inventory_clerk"))
    assert [p["partId"] for p in again.json()] == [unoffered["id"]]
    cancelled = await client.post(
        f"{ORDERS}/{order['id']}/transitions",
        headers=acme.headers("inventory_clerk"),
        json={"to": "cancelled", "reason": "ordered by phone"},
    )
    assert cancelled.status_code == 200, cancelled.text
    after = await client.get("/api/v1/reorder-proposals", headers=acme.headers("inventory_clerk"))
    proposed = {p["partId"]: (p["onOrder"], p["quantity"]) for p in after.json()}
    assert proposed == {offered["id"]: ("0.000", "25.000"), unoffered["id"]: ("0.000", "17.000")}


async def test_what_is_on_order_lowers_the_proposal(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "P-1")
    await receive(client, acme, part, store, "2")
    put = await client.put(
        f"{PARTS}/{part['id']}/stock/{store}",
        headers=acme.headers("inventory_clerk"),
        json={"reorderPoint": "10", "maxQuantity": "30"},
    )
    assert put.status_code == 200
    vendor = await make_vendor(client, acme)
    order = await make_order(client, acme, vendor, store, [{"partId": part["id"], "quantity": "6"}])
    order = await walk(
        client, acme, order, ("submitted", "inventory_clerk"), ("approved", "manager")
    )
    order = await walk(client, acme, order, ("ordered", "inventory_clerk"))
    got = await _receipt(client, acme, order, order["lines"][0]["id"], "2")
    assert got.status_code == 201, got.text
    proposals = await client.get(
        "/api/v1/reorder-proposals", headers=acme.headers("inventory_clerk")
    )
    [proposal] = [p for p in proposals.json() if p["partId"] == part["id"]]
    # 4 available (2 + 2 received), 4 still outstanding: position 8, up to 30 is 22
    assert (proposal["available"], proposal["onOrder"], proposal["quantity"]) == (
        "4.000",
        "4.000",
        "22.000",
    )


async def test_roles_sites_and_tenants(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    north = await make_storeroom(client, acme, "ST-N")
    south = await make_storeroom(client, acme, "ST-S", acme.south)
    part = await make_part(client, acme, "P-1")
    vendor = await make_vendor(client, acme)
    lines = [{"partId": part["id"], "quantity": "1"}]
    outside = await client.post(
        ORDERS,
        headers=acme.headers("inventory_clerk"),
        json={"vendorId": vendor, "storeroomId": south, "lines": lines},
    )
    assert (outside.status_code, outside.json()["errors"][0]["field"]) == (422, "storeroomId")
    order = await make_order(client, acme, vendor, north, lines)
    url = f"{ORDERS}/{order['id']}"
    assert (await client.get(url, headers=acme.headers("supervisor"))).status_code == 200
    for role in ("technician", "requester", "contractor"):
        assert (await client.get(url, headers=acme.headers(role))).status_code == 403, role
    supervisor = await client.post(
        f"{url}/transitions", headers=acme.headers("supervisor"), json={"to": "submitted"}
    )
    assert supervisor.status_code == 403
    assert (await client.get(url, headers=globex.headers("admin"))).status_code == 404
    foreign = await client.post(
        f"{url}/transitions", headers=globex.headers("admin"), json={"to": "submitted"}
    )
    assert foreign.status_code == 404
    listed = await client.get(ORDERS, headers=globex.headers("admin"))
    assert listed.json()["items"] == []
    theirs = await client.post(
        ORDERS,
        headers=globex.headers("admin"),
        json={"vendorId": vendor, "storeroomId": north, "lines": lines},
    )
    assert (theirs.status_code, theirs.json()["errors"][0]["field"]) == (422, "vendorId")
    mine = await client.get(ORDERS, headers=acme.headers("admin"), params={"status": "draft"})
    assert [o["id"] for o in mine.json()["items"]] == [order["id"]]


async def test_a_threshold_that_is_not_a_number_approves_nothing(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "T-1")
    vendor = await make_vendor(client, acme)
    settings = {"settings": {"purchasing": {"approvalThreshold": "lots"}}}
    changed = await client.patch(
        "/api/v1/organization", headers=acme.headers("admin"), json=settings
    )
    assert changed.status_code == 200, changed.text
    order = await make_order(client, acme, vendor, store, [{"partId": part["id"], "quantity": "1"}])
    submitted = await walk(client, acme, order, ("submitted", "inventory_clerk"))
    assert submitted["status"] == "submitted"
