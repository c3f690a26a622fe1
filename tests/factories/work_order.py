"""Work orders (and the assets they name) through the API, as clients create them."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant

URL = "/api/v1/work-orders"


async def make_asset(
    client: httpx.AsyncClient, tenant: Tenant, code: str, **body: object
) -> dict[str, object]:
    fields = {"code": code, "name": f"Asset {code}", "locationId": str(tenant.north_area.id)}
    response = await client.post(
        "/api/v1/assets", headers=tenant.headers("admin"), json={**fields, **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def make_work_order(
    client: httpx.AsyncClient, tenant: Tenant, *, role: str = "admin", **body: object
) -> dict[str, object]:
    fields = {"title": "Inspect the feed pump", "locationId": str(tenant.north_area.id), **body}
    response = await client.post(URL, headers=tenant.headers(role), json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result
