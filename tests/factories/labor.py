"""Labor through the API: work assigned to people, timers, entries, crafts."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_work_order

TIMER = "/api/v1/labor/timer"
CRAFTS = "/api/v1/crafts"


async def assigned_work(
    client: httpx.AsyncClient, tenant: Tenant, *roles: str, **body: object
) -> dict[str, object]:
    """A work order (in NORTH) assigned to the tenant's users of `roles` (default technician)."""
    people = [str(tenant.users[role].id) for role in roles or ("technician",)]
    return await make_work_order(client, tenant, assigneeIds=people, **body)


def labor_url(work: dict[str, object]) -> str:
    return f"{URL}/{work['id']}/labor"


async def log_time(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object], role: str, **body: object
) -> dict[str, object]:
    response = await client.post(labor_url(work), headers=tenant.headers(role), json=body)
    assert response.status_code == 201, response.text
    entry: dict[str, object] = response.json()
    return entry


async def read_work(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object]
) -> httpx.Response:
    response = await client.get(f"{URL}/{work['id']}", headers=tenant.headers("admin"))
    assert response.status_code == 200, response.text
    return response
