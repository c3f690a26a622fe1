"""POST /work-orders/{id}/transitions: every move of the status machine, allowed and refused,
the fields the system sets, the history and the time in each status."""

from __future__ import annotations

import httpx
import pytest

from maintainpro.work_order import machine
from maintainpro.work_order.machine import STATUSES_IN_ORDER
from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_asset, make_work_order

REASONS = {"reason": "because"}


async def move(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object], role: str, **body: object
) -> httpx.Response:
    return await client.post(
        f"{URL}/{work['id']}/transitions", headers=tenant.headers(role), json=body
    )


async def walk_to(
    client: httpx.AsyncClient, tenant: Tenant, status: str, **extra: object
) -> dict[str, object]:
    """A work order assigned to the technician, moved along the main path to `status`."""
    technician = str(tenant.users["technician"].id)
    work = await make_work_order(client, tenant, **extra)
    path = {
        "new": [],
        "assigned": ["assigned"],
        "in_progress": ["assigned", "in_progress"],
        "on_hold": ["assigned", "in_progress", "on_hold"],
        "completed": ["assigned", "in_progress", "completed"],
        "verified": ["assigned", "in_progress", "completed", "verified"],
        "closed": ["assigned", "in_progress", "completed", "verified", "closed"],
        "cancelled": ["cancelled"],
    }[status]
    for target in path:
        body: dict[str, object] = {"to": target, **REASONS}
        if target == "assigned":
            body["assigneeIds"] = [technician]
        role = "technician" if target in ("in_progress", "on_hold", "completed") else "manager"
        response = await move(client, tenant, work, role, **body)
        assert response.status_code == 200, (target, response.text)
        work = response.json()
    assert work["status"] == status
    return work


@pytest.mark.smoke
async def test_the_main_path_sets_the_system_fields(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await walk_to(client, acme, "closed")
    technician, manager = acme.users["technician"], acme.users["manager"]
    assert work["startedAt"] is not None
    assert work["completedBy"] == str(technician.id)
    assert work["verifiedBy"] == str(manager.id)
    assert work["completedAt"]
    assert work["closedAt"]
    assert work["verifiedAt"]
    history = await client.get(f"{URL}/{work['id']}/history", headers=acme.headers("admin"))
    assert history.status_code == 200
    items = history.json()["items"]
    assert [i["toStatus"] for i in items] == [
        "closed",
        "verified",
        "completed",
        "in_progress",
        "assigned",
        "new",
    ]
    assert items[-1]["fromStatus"] is None
    assert items[0]["actorId"] == str(manager.id)
    spent = {s["status"]: s["seconds"] for s in history.json()["timeInStatus"]}
    assert set(spent) == {"new", "assigned", "in_progress", "completed", "verified", "closed"}
    assert all(seconds >= 0 for seconds in spent.values())


@pytest.mark.parametrize(("source", "goal"), sorted(machine.MOVES), ids=str)
async def test_every_declared_move_is_allowed_to_a_manager(
    client: httpx.AsyncClient, acme: Tenant, source: str, goal: str
) -> None:
    work = await walk_to(client, acme, source)
    body: dict[str, object] = {"to": goal, **REASONS}
    if goal == "assigned":
        body["assigneeIds"] = [str(acme.users["technician"].id)]
    response = await move(client, acme, work, "manager", **body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == goal
    assert response.json()["version"] == int(str(work["version"])) + 1
    # The answer is the row as a read shows it, whether it came back with the move or re-read.
    got = await client.get(f"{URL}/{work['id']}", headers=acme.headers("manager"))
    assert response.json() == got.json()


UNDECLARED = [
    (source, target)
    for source in STATUSES_IN_ORDER
    for target in STATUSES_IN_ORDER
    if source != target and (source, target) not in machine.MOVES
]


@pytest.mark.parametrize(("source", "goal"), UNDECLARED, ids=str)
async def test_every_undeclared_move_is_refused_with_the_allowed_targets(
    client: httpx.AsyncClient, acme: Tenant, source: str, goal: str
) -> None:
    work = await walk_to(client, acme, source)
    body: dict[str, object] = {"to": goal, **REASONS}
    response = await move(client, acme, work, "admin", **body)
    assert response.status_code == 409, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["allowedTargets"] == machine.targets(source, "admin")
    assert goal not in problem["allowedTargets"]
    after = await client.get(f"{URL}/{work['id']}", headers=acme.headers("admin"))
    assert after.json()["status"] == source


async def test_required_fields_and_roles(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await walk_to(client, acme, "in_progress")
    no_reason = await move(client, acme, work, "technician", to="on_hold")
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    new = await make_work_order(client, acme)
    nobody = await move(client, acme, new, "manager", to="assigned")
    assert nobody.status_code == 422
    assert nobody.json()["errors"][0]["field"] == "assigneeIds"
    cancel = await move(client, acme, work, "technician", to="cancelled", reason="no")
    assert cancel.status_code == 409  # cancelling is for supervisors and above
    assert "cancelled" not in cancel.json()["allowedTargets"]


async def test_the_completer_cannot_verify(client: httpx.AsyncClient, acme: Tenant) -> None:
    supervisor = str(acme.users["supervisor"].id)
    work = await make_work_order(client, acme, assigneeIds=[supervisor])
    for target in ("in_progress", "completed"):
        response = await move(client, acme, work, "supervisor", to=target)
        assert response.status_code == 200, response.text
    refused = await move(client, acme, work, "supervisor", to="verified")
    assert refused.status_code == 409
    assert "verified" not in refused.json()["allowedTargets"]
    verified = await move(client, acme, work, "manager", to="verified")
    assert verified.status_code == 200


async def test_failure_codes_required_by_the_setting(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    settings = {"settings": {"workOrders": {"requireFailureCodes": True}}}
    changed = await client.patch(
        "/api/v1/organization", headers=acme.headers("admin"), json=settings
    )
    assert changed.status_code == 200, changed.text
    critical = await make_asset(client, acme, "C-1", criticality="critical")
    work = await walk_to(client, acme, "in_progress", assetIds=[critical["id"]])
    refused = await move(client, acme, work, "technician", to="completed")
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"problemCodeId", "causeCodeId", "remedyCodeId"}
    low = await make_asset(client, acme, "L-1", criticality="low")
    easy = await walk_to(client, acme, "in_progress", assetIds=[low["id"]])
    assert (await move(client, acme, easy, "technician", to="completed")).status_code == 200


async def test_stale_if_match_is_412(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await walk_to(client, acme, "assigned")
    response = await client.post(
        f"{URL}/{work['id']}/transitions",
        headers={**acme.headers("technician"), "If-Match": 'W/"1"'},
        json={"to": "in_progress"},
    )
    assert response.status_code == 412


@pytest.mark.smoke
async def test_asset_down_opens_and_closes_downtime(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "D-1")
    work = await walk_to(client, acme, "in_progress", assetIds=[asset["id"]], assetDown=True)
    downtime_url = f"/api/v1/assets/{asset['id']}/downtime"
    events = (await client.get(downtime_url, headers=acme.headers("admin"))).json()["items"]
    assert len(events) == 1
    assert events[0]["workOrderId"] == work["id"]
    assert events[0]["endedAt"] is None
    assert events[0]["kind"] == "unplanned"
    await move(client, acme, work, "technician", to="completed")
    events = (await client.get(downtime_url, headers=acme.headers("admin"))).json()["items"]
    assert events[0]["endedAt"] is not None
