"""Who sees which work (SPEC section 1, issue 9 point 4): technicians and contractors what is
assigned to them or their team, requesters what they requested, site-bound roles their sites,
managers and admins everything."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from uuid_utils.compat import uuid7

from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_work_order


async def _ids(client: httpx.AsyncClient, tenant: Tenant, role: str, query: str = "") -> set[str]:
    response = await client.get(f"{URL}{query}", headers=tenant.headers(role))
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_each_role_sees_its_own_share(
    client: httpx.AsyncClient, acme: Tenant, conn: AsyncConnection
) -> None:
    technician, contractor = acme.users["technician"], acme.users["contractor"]
    mine = await make_work_order(client, acme, assigneeIds=[str(technician.id)])
    theirs = await make_work_order(client, acme, assigneeIds=[str(contractor.id)])
    south = await make_work_order(client, acme, locationId=str(acme.south.id))
    requested = await make_work_order(
        client, acme, requesterId=str(acme.users["requester"].id), title="Door jams"
    )
    team_id = uuid7()
    params = {"id": team_id, "org": acme.organization_id, "user": technician.id}
    await conn.execute(
        text("INSERT INTO teams (id, organization_id, name) VALUES (:id, :org, 'Crew')"), params
    )
    await conn.execute(
        text(
            "INSERT INTO team_members (id, organization_id, team_id, user_id)"
            " VALUES (app.uuidv7(), :org, :id, :user)"
        ),
        params,
    )
    by_team = await make_work_order(client, acme, teamId=str(team_id))
    everything = {w["id"] for w in (mine, theirs, south, requested, by_team)}

    assert await _ids(client, acme, "admin") == everything
    assert await _ids(client, acme, "manager") == everything
    assert await _ids(client, acme, "technician") == {mine["id"], by_team["id"]}
    assert await _ids(client, acme, "contractor") == {theirs["id"]}
    assert await _ids(client, acme, "requester") == {requested["id"]}
    north_only = everything - {south["id"]}
    assert await _ids(client, acme, "supervisor") == north_only
    assert await _ids(client, acme, "inventory_clerk") == north_only
    assert await _ids(client, acme, "technician", "?assignedToMe=true") == {
        mine["id"],
        by_team["id"],
    }
    assert await _ids(client, acme, "admin", f"?assigneeId={contractor.id}") == {theirs["id"]}
    assert await _ids(client, acme, "admin", f"?teamId={team_id}") == {by_team["id"]}

    for role, work, visible in (
        ("technician", theirs, False),
        ("technician", mine, True),
        ("contractor", mine, False),
        ("requester", requested, True),
        ("requester", mine, False),
        ("supervisor", south, False),
    ):
        response = await client.get(f"{URL}/{work['id']}", headers=acme.headers(role))
        assert response.status_code == (200 if visible else 404), (role, response.text)


async def test_a_technician_works_only_what_is_assigned(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    technician = str(acme.users["technician"].id)
    mine = await make_work_order(client, acme, assigneeIds=[technician])
    other = await make_work_order(client, acme, assigneeIds=[str(acme.users["supervisor"].id)])
    headers = acme.headers("technician")
    start = {"to": "in_progress"}
    assert (
        await client.post(f"{URL}/{mine['id']}/transitions", headers=headers, json=start)
    ).status_code == 200
    assert (
        await client.post(f"{URL}/{other['id']}/transitions", headers=headers, json=start)
    ).status_code == 404
    # Technicians file what they find in their sites, unassigned; assigning is a supervisor's.
    here = {"locationId": str(acme.north_area.id)}
    filed = await client.post(URL, headers=headers, json={"title": "Found a leak", **here})
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "new"
    assigned = await client.post(
        URL, headers=headers, json={"title": "Mine", "assigneeIds": [technician], **here}
    )
    assert assigned.status_code == 422
    outside = await client.post(
        URL, headers=headers, json={"title": "South", "locationId": str(acme.south.id)}
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["code"] == "outside_scope"
    nowhere = await client.post(URL, headers=headers, json={"title": "Somewhere"})
    assert nowhere.status_code == 422
    assert nowhere.json()["errors"][0]["field"] == "locationId"


async def test_requesters_and_contractors_cannot_create(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    for role in ("requester", "contractor"):
        response = await client.post(URL, headers=acme.headers(role), json={"title": "x"})
        assert response.status_code == 403, role


async def test_search_ranks_and_respects_visibility(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    technician = str(acme.users["technician"].id)
    title = await make_work_order(client, acme, title="Gearbox noise", assigneeIds=[technician])
    body = await make_work_order(client, acme, title="Check", description="gearbox oil level")
    found = await client.get(f"{URL}?q=gearbox", headers=acme.headers("admin"))
    assert [item["id"] for item in found.json()["items"]] == [title["id"], body["id"]]
    assert await _ids(client, acme, "technician", "?q=gearbox") == {title["id"]}
    by_number = await client.get(f"{URL}?q={title['number']}", headers=acme.headers("admin"))
    assert [item["id"] for item in by_number.json()["items"]] == [title["id"]]
    page = await client.get(f"{URL}?q=gearbox&limit=1", headers=acme.headers("admin"))
    cursor = page.json()["nextCursor"]
    rest = await client.get(
        f"{URL}?q=gearbox&limit=1&cursor={cursor}", headers=acme.headers("admin")
    )
    assert [item["id"] for item in rest.json()["items"]] == [body["id"]]
