"""Parts, storerooms and stock through the API, as the stores set them up."""

from __future__ import annotations

from decimal import Decimal

import httpx

from maintainpro.models import Location
from tests.factories.identity import Tenant

PARTS = "/api/v1/parts"
MOVEMENTS = "/api/v1/stock-movements"


def lines_url(work: dict[str, object]) -> str:
    return f"/api/v1/work-orders/{work['id']}/parts"


async def make_storeroom(
    client: httpx.AsyncClient, tenant: Tenant, code: str, site: Location | None = None
) -> str:
    parent = site or tenant.north
    body = {
        "code": code,
        "name": f"Storeroom {code}",
        "kind": "storeroom",
        "parentId": str(parent.id),
    }
    response = await client.post("/api/v1/locations", headers=tenant.headers("admin"), json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def make_part(
    client: httpx.AsyncClient, tenant: Tenant, number: str, **body: object
) -> dict[str, object]:
    fields = {"partNumber": number, "name": f"Part {number}", **body}
    response = await client.post(PARTS, headers=tenant.headers("admin"), json=fields)
    assert response.status_code == 201, response.text
    part: dict[str, object] = response.json()
    return part


async def move(
    client: httpx.AsyncClient,
    tenant: Tenant,
    part: dict[str, object],
    store: str,
    kind: str,
    quantity: str,
    *,
    role: str = "inventory_clerk",
    **body: object,
) -> httpx.Response:
    fields = {"partId": part["id"], "storeroomId": store, "kind": kind, "quantity": quantity}
    return await client.post(MOVEMENTS, headers=tenant.headers(role), json={**fields, **body})


async def receive(
    client: httpx.AsyncClient,
    tenant: Tenant,
    part: dict[str, object],
    store: str,
    quantity: str,
    unit_cost: str = "10",
) -> dict[str, object]:
    response = await move(client, tenant, part, store, "receipt", quantity, unitCost=unit_cost)
    assert response.status_code == 201, response.text
    movement: dict[str, object] = response.json()["items"][0]
    return movement


async def stock_in(
    client: httpx.AsyncClient, tenant: Tenant, part: dict[str, object], store: str
) -> dict[str, Decimal]:
    """onHand, reserved, available and averageUnitCost of the part in the storeroom (zeros if
    it has no row there)."""
    response = await client.get(f"{PARTS}/{part['id']}/stock", headers=tenant.headers("admin"))
    assert response.status_code == 200, response.text
    for row in response.json()["items"]:
        if row["storeroomId"] == store:
            names = ("onHand", "reserved", "available", "averageUnitCost")
            return {name: Decimal(row[name]) for name in names}
    return dict.fromkeys(("onHand", "reserved", "available", "averageUnitCost"), Decimal(0))


async def ledger_total(
    client: httpx.AsyncClient, tenant: Tenant, part: dict[str, object], store: str
) -> Decimal:
    """The sum of the part's movements in the storeroom, read page by page."""
    total, cursor = Decimal(0), ""
    while True:
        response = await client.get(
            MOVEMENTS,
            headers=tenant.headers("admin"),
            params={"partId": part["id"], "storeroomId": store, "limit": 200, "cursor": cursor},
        )
        assert response.status_code == 200, response.text
        page = response.json()
        total += sum((Decimal(item["quantity"]) for item in page["items"]), Decimal(0))
        if page["nextCursor"] is None:
            return total
        cursor = page["nextCursor"]


ORDERS = "/api/v1/purchase-orders"


async def make_vendor(client: httpx.AsyncClient, tenant: Tenant, name: str = "Bearings Ltd") -> str:
    response = await client.post(
        "/api/v1/vendors", headers=tenant.headers("admin"), json={"name": name}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def make_order(
    client: httpx.AsyncClient,
    tenant: Tenant,
    vendor: str,
    store: str,
    lines: list[dict[str, object]],
    *,
    role: str = "inventory_clerk",
) -> dict[str, object]:
    body = {"vendorId": vendor, "storeroomId": store, "lines": lines}
    response = await client.post(ORDERS, headers=tenant.headers(role), json=body)
    assert response.status_code == 201, response.text
    order: dict[str, object] = response.json()
    return order


async def walk(
    client: httpx.AsyncClient, tenant: Tenant, order: dict[str, object], *steps: tuple[str, str]
) -> dict[str, object]:
    """Moves the order through (target, role) steps; returns it as the last answer shows it."""
    for target, role in steps:
        response = await client.post(
            f"{ORDERS}/{order['id']}/transitions", headers=tenant.headers(role), json={"to": target}
        )
        assert response.status_code == 200, response.text
        order = response.json()
    return order
