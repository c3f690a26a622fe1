"""PM schedules, their templates and meters through the API, as clients create them."""

from __future__ import annotations

from datetime import datetime

import httpx

from tests.factories.identity import Tenant
from tests.factories.work_order import make_asset

SCHEDULES = "/api/v1/pm-schedules"


async def make_template(
    client: httpx.AsyncClient, tenant: Tenant, **body: object
) -> dict[str, object]:
    fields = {
        "title": "Lubricate the conveyor",
        "type": "preventive",
        "estimatedHours": "1.5",
        "checklists": [{"name": "Lube", "items": [{"label": "Grease applied", "kind": "yes_no"}]}],
        **body,
    }
    response = await client.post(
        "/api/v1/work-order-templates", headers=tenant.headers("admin"), json=fields
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def make_meter(
    client: httpx.AsyncClient,
    tenant: Tenant,
    asset: dict[str, object],
    kind: str = "counter",
    **body: object,
) -> dict[str, object]:
    fields = {"assetId": asset["id"], "name": f"{kind} meter", "unit": "h", "kind": kind, **body}
    response = await client.post("/api/v1/meters", headers=tenant.headers("admin"), json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def read_meter(
    client: httpx.AsyncClient,
    tenant: Tenant,
    meter: dict[str, object],
    value: float,
    at: datetime,
    reset: str | None = None,
) -> None:
    body: dict[str, object] = {"value": value, "measuredAt": at.isoformat()}
    if reset is not None:
        body["reset"] = reset
    response = await client.post(
        f"/api/v1/meters/{meter['id']}/readings", headers=tenant.headers("admin"), json=body
    )
    assert response.status_code == 201, response.text


async def make_schedule(
    client: httpx.AsyncClient,
    tenant: Tenant,
    trigger: dict[str, object],
    *,
    template: dict[str, object] | None = None,
    assets: list[dict[str, object]] | None = None,
    role: str = "admin",
    **body: object,
) -> dict[str, object]:
    template = template or await make_template(client, tenant)
    assets = assets or [await make_asset(client, tenant, "PUMP-1")]
    fields = {
        "name": "Conveyor lube",
        "templateId": template["id"],
        "assetIds": [a["id"] for a in assets],
        "trigger": trigger,
        **body,
    }
    response = await client.post(SCHEDULES, headers=tenant.headers(role), json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def run_due(
    client: httpx.AsyncClient, tenant: Tenant, schedule: dict[str, object]
) -> list[dict[str, object]]:
    response = await client.post(
        f"{SCHEDULES}/{schedule['id']}/run-due", headers=tenant.headers("admin")
    )
    assert response.status_code == 200, response.text
    made: list[dict[str, object]] = response.json()["occurrences"]
    return made


async def finish(client: httpx.AsyncClient, tenant: Tenant, work_order_id: object) -> None:
    """Assigns, starts and completes the work order."""
    url = f"/api/v1/work-orders/{work_order_id}/transitions"
    technician = str(tenant.users["technician"].id)
    for step in (
        {"to": "assigned", "assigneeIds": [technician]},
        {"to": "in_progress"},
        {"to": "completed"},
    ):
        moved = await client.post(url, headers=tenant.headers("admin"), json=step)
        assert moved.status_code == 200, moved.text
