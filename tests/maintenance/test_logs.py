"""Maintenance logs: written when work on an asset completes, shown in the asset's history
with the work orders on it (as far as the caller may see them)."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_asset, make_work_order


async def move(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object], role: str, **body: object
) -> None:
    response = await client.post(
        f"{URL}/{work['id']}/transitions", headers=tenant.headers(role), json=body
    )
    assert response.status_code == 200, response.text


async def history(
    client: httpx.AsyncClient, tenant: Tenant, asset: dict[str, object], role: str = "admin"
) -> list[dict[str, object]]:
    """Every entry, walking the pages one entry at a time."""
    entries: list[dict[str, object]] = []
    cursor = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            f"/api/v1/assets/{asset['id']}/history", params=params, headers=tenant.headers(role)
        )
        assert response.status_code == 200, response.text
        entries += response.json()["items"]
        cursor = response.json()["nextCursor"]
        if cursor is None:
            return entries


def of_kind(entries: list[dict[str, object]], kind: str) -> list[dict[str, object]]:
    return [entry for entry in entries if entry["kind"] == kind]


async def test_completion_logs_each_asset_and_the_history_shows_it(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    pump, motor = await make_asset(client, acme, "P-1"), await make_asset(client, acme, "M-1")
    technician = acme.users["technician"].id
    work = await make_work_order(
        client,
        acme,
        title="Replace the pump seal",
        assetIds=[pump["id"], motor["id"]],
        assigneeIds=[str(technician)],
    )
    await move(client, acme, work, "technician", to="in_progress")
    assert of_kind(await history(client, acme, pump), "maintenance") == []
    await move(client, acme, work, "technician", to="completed")
    for asset in (pump, motor):
        entries = await history(client, acme, asset)
        assert len({entry["id"] for entry in entries}) == len(entries)  # no page repeats one
        assert entries == sorted(entries, key=lambda e: (e["at"], e["id"]), reverse=True)
        [log] = of_kind(entries, "maintenance")
        assert log["maintenance"]["workOrderId"] == work["id"]
        assert log["maintenance"]["assetId"] == asset["id"]
        assert log["maintenance"]["summary"] == "Replace the pump seal"
        assert log["maintenance"]["workOrderNumber"] == work["number"]
        assert log["maintenance"]["completedBy"] == str(technician)
        assert log["maintenance"]["hours"] == "0.00"
        assert log["at"] == log["maintenance"]["completedAt"]
        [listed] = of_kind(entries, "work_order")
        assert listed["workOrder"]["id"] == work["id"]
        assert listed["workOrder"]["status"] == "completed"


async def test_a_second_completion_is_a_second_entry(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    pump = await make_asset(client, acme, "P-2")
    work = await make_work_order(
        client, acme, assetIds=[pump["id"]], assigneeIds=[str(acme.users["technician"].id)]
    )
    await move(client, acme, work, "technician", to="in_progress")
    await move(client, acme, work, "technician", to="completed")
    await move(client, acme, work, "supervisor", to="in_progress", reason="Still leaking")
    await move(client, acme, work, "supervisor", to="completed")
    logs = of_kind(await history(client, acme, pump), "maintenance")
    assert [log["maintenance"]["completedBy"] for log in logs] == [
        str(acme.users["supervisor"].id),
        str(acme.users["technician"].id),
    ]


async def test_cancelled_work_writes_no_log(client: httpx.AsyncClient, acme: Tenant) -> None:
    pump = await make_asset(client, acme, "P-3")
    work = await make_work_order(client, acme, assetIds=[pump["id"]])
    await move(client, acme, work, "admin", to="cancelled", reason="Duplicate")
    assert of_kind(await history(client, acme, pump), "maintenance") == []


async def test_work_orders_in_the_history_follow_the_callers_scope(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    pump = await make_asset(client, acme, "P-4")
    mine = await make_work_order(
        client, acme, assetIds=[pump["id"]], assigneeIds=[str(acme.users["technician"].id)]
    )
    others = await make_work_order(client, acme, assetIds=[pump["id"]])
    seen = {e["workOrder"]["id"] for e in of_kind(await history(client, acme, pump), "work_order")}
    assert seen == {mine["id"], others["id"]}
    technician = of_kind(await history(client, acme, pump, "technician"), "work_order")
    assert [e["workOrder"]["id"] for e in technician] == [mine["id"]]
    # Requesters read every asset but only the work they requested.
    assert of_kind(await history(client, acme, pump, "requester"), "work_order") == []


async def test_another_tenant_sees_no_history(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    pump = await make_asset(client, acme, "P-5")
    response = await client.get(
        f"/api/v1/assets/{pump['id']}/history", headers=globex.headers("admin")
    )
    assert response.status_code == 404
