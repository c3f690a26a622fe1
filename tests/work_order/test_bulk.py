"""POST /work-orders/bulk/assign and /bulk/transitions: per-item results, what each item
changes, scopes, tenants, refusals that change nothing, and overlapping batches at once."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import Committed
from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_work_order
from tests.team.test_routes import make_team
from tests.work_order.test_transitions import walk_to

ASSIGN, TRANSITION = f"{URL}/bulk/assign", f"{URL}/bulk/transitions"


async def fetch(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object]
) -> dict[str, object]:
    response = await client.get(f"{URL}/{work['id']}", headers=tenant.headers("admin"))
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def moves(client: httpx.AsyncClient, tenant: Tenant, work_id: object) -> list[str]:
    history = await client.get(f"{URL}/{work_id}/history", headers=tenant.headers("admin"))
    return [f"{i['fromStatus']}>{i['toStatus']}" for i in history.json()["items"]]


async def status_events(conn: AsyncConnection, tenant: Tenant) -> list[tuple[str, str, str]]:
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"),
        {"org": str(tenant.organization_id)},
    )
    events = await conn.execute(
        text(
            "SELECT entity_id, payload FROM outbox WHERE organization_id = :org"
            " AND event_type = 'work_order.status_changed' ORDER BY id"
        ),
        {"org": tenant.organization_id},
    )
    return [(str(entity), p["from"], p["to"]) for entity, p in events.all()]


async def test_new_work_is_assigned_and_work_under_way_gets_the_new_assignees(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant, conn: AsyncConnection
) -> None:
    contractor = str(acme.users["contractor"].id)
    fresh = await make_work_order(client, acme)
    started = await walk_to(client, acme, "in_progress")
    theirs = await make_work_order(client, globex)
    missing = str(uuid4())
    before = await status_events(conn, acme)
    ids = [fresh["id"], started["id"], missing, theirs["id"], fresh["id"]]
    response = await client.post(
        ASSIGN, headers=acme.headers("manager"), json={"ids": ids, "assigneeIds": [contractor]}
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["id"], i["status"]) for i in items] == [
        (fresh["id"], 200),
        (started["id"], 200),
        (missing, 404),
        (theirs["id"], 404),
    ]
    assert items[2]["error"] == {"code": "not_found", "detail": "No such work order."}
    assigned, working = items[0]["workOrder"], items[1]["workOrder"]
    assert (assigned["status"], assigned["assigneeIds"]) == ("assigned", [contractor])
    assert (working["status"], working["assigneeIds"]) == ("in_progress", [contractor])
    assert assigned["version"] == fresh["version"] + 1
    assert working["version"] == started["version"] + 1
    assert working["updatedBy"] == str(acme.users["manager"].id)
    for item in items[:2]:
        # What the batch answered is what a read shows.
        read = await fetch(client, acme, item["workOrder"])
        assert {k: read[k] for k in item["workOrder"]} == item["workOrder"]
    assert await moves(client, acme, fresh["id"]) == ["new>assigned", "None>new"]
    assert (await moves(client, acme, started["id"]))[0] == "assigned>in_progress"
    assert await fetch(client, globex, theirs) == theirs
    after = await status_events(conn, acme)
    assert after[len(before) :] == [(fresh["id"], "new", "assigned")]


async def test_a_team_alone_keeps_the_assignees(client: httpx.AsyncClient, acme: Tenant) -> None:
    technician = str(acme.users["technician"].id)
    team = await make_team(client, acme)
    work = await walk_to(client, acme, "assigned")
    fresh = await make_work_order(client, acme)
    response = await client.post(
        ASSIGN,
        headers=acme.headers("admin"),
        json={"ids": [work["id"], fresh["id"]], "teamId": team["id"]},
    )
    assert response.status_code == 200, response.text
    changed, moved = (item["workOrder"] for item in response.json()["items"])
    assert (changed["teamId"], changed["assigneeIds"]) == (team["id"], [technician])
    assert (moved["status"], moved["teamId"], moved["assigneeIds"]) == ("assigned", team["id"], [])


async def test_a_site_supervisor_assigns_only_at_their_sites(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    technician = str(acme.users["technician"].id)
    here = await make_work_order(client, acme)
    there = await make_work_order(client, acme, locationId=str(acme.south.id))
    response = await client.post(
        ASSIGN,
        headers=acme.headers("supervisor"),
        json={"ids": [here["id"], there["id"]], "assigneeIds": [technician]},
    )
    assert response.status_code == 200, response.text
    assert [i["status"] for i in response.json()["items"]] == [200, 404]
    assert (await fetch(client, acme, there)) == there


async def test_a_batch_that_cannot_be_applied_changes_nothing(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await make_work_order(client, acme)
    technician = str(acme.users["technician"].id)
    refusals = [
        ("technician", {"assigneeIds": [technician]}, ("assigneeIds", "not_allowed")),
        ("supervisor", {"teamId": str(uuid4())}, ("teamId", "not_found")),
        (
            "manager",
            {"assigneeIds": [str(globex.users["technician"].id)]},
            ("assigneeIds[0]", "not_found"),
        ),
        (
            "manager",
            {"assigneeIds": [technician, str(acme.users["requester"].id)]},
            ("assigneeIds[1]", "not_found"),
        ),
    ]
    for role, body, error in refusals:
        response = await client.post(
            ASSIGN, headers=acme.headers(role), json={"ids": [work["id"]], **body}
        )
        assert response.status_code == 422, (role, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [error], body
    empty = await client.post(ASSIGN, headers=acme.headers("manager"), json={"ids": [work["id"]]})
    assert empty.status_code == 422
    assert await fetch(client, acme, work) == work


async def test_overlapping_batches_at_once_assign_each_work_order_once(
    committed: Committed,
) -> None:
    """Two batches sharing twenty work orders, in opposite orders, at once (three rounds): both
    complete (the rows are locked in id order, so they queue rather than deadlock), every
    shared work order ends with exactly one batch's assignees, and each moved out of `new`
    once."""
    tenant = await committed.make_tenant(
        label="bulk-race", roles=("admin", "technician", "manager")
    )
    admin, people = tenant.headers("admin"), ["technician", "manager"]
    everyone = [[str(tenant.users[person].id)] for person in people]
    for _ in range(3):
        created = [
            await committed.client.post(URL, headers=admin, json={"title": f"B{i}"})
            for i in range(40)
        ]
        ids = [answer.json()["id"] for answer in created]
        batches = (ids[:30], ids[10:][::-1])
        answers = await asyncio.gather(
            *(
                committed.client.post(
                    ASSIGN, headers=admin, json={"ids": batch, "assigneeIds": assignees}
                )
                for batch, assignees in zip(batches, everyone, strict=True)
            )
        )
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert {item["status"] for item in answer.json()["items"]} == {200}
        for work_id in ids[10:30]:
            work = await committed.client.get(f"{URL}/{work_id}", headers=admin)
            assert work.json()["assigneeIds"] in everyone, work_id
            assert await moves(committed.client, tenant, work_id) == ["new>assigned", "None>new"]


async def test_a_bulk_transition_reports_each_item_and_keeps_what_succeeded(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    assigned = await walk_to(client, acme, "assigned")
    closed = await walk_to(client, acme, "closed")
    theirs = await make_work_order(client, globex)
    response = await client.post(
        TRANSITION,
        headers=acme.headers("manager"),
        json={
            "ids": [assigned["id"], closed["id"], theirs["id"]],
            "to": "cancelled",
            "reason": "x",
        },
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["status"] for i in items] == [200, 409, 404]
    assert items[0]["workOrder"]["status"] == "cancelled"
    assert items[1]["error"]["code"] == "conflict"
    assert items[1]["error"]["allowedTargets"] == ["in_progress"]  # a reopen, not a cancel
    assert (await fetch(client, acme, assigned))["status"] == "cancelled"
    assert await fetch(client, acme, closed) == closed
    assert await fetch(client, globex, theirs) == theirs
