"""/api/v1/teams: crews and their members, per role, per tenant."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx

from tests.conftest import Committed
from tests.factories.identity import Tenant
from tests.factories.work_order import make_work_order

URL = "/api/v1/teams"


async def make_team(
    client: httpx.AsyncClient, tenant: Tenant, name: str = "Mechanics", **body: object
) -> dict[str, object]:
    response = await client.post(
        URL, headers=tenant.headers("manager"), json={"name": name, **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_create_read_update_delete(client: httpx.AsyncClient, acme: Tenant) -> None:
    created = await client.post(
        URL,
        headers=acme.headers("manager"),
        json={"name": "Mechanics", "description": "Day shift", "siteId": str(acme.north.id)},
    )
    assert created.status_code == 201, created.text
    team = created.json()
    assert (team["name"], team["description"], team["siteId"]) == (
        "Mechanics",
        "Day shift",
        str(acme.north.id),
    )
    assert created.headers["etag"] == 'W/"1"'
    url = f"{URL}/{team['id']}"
    got = await client.get(url, headers=acme.headers("technician"))
    assert got.json() == team
    stale = await client.patch(
        url, headers={**acme.headers("admin"), "If-Match": 'W/"7"'}, json={"name": "X"}
    )
    assert stale.status_code == 412
    changed = await client.patch(
        url, headers={**acme.headers("admin"), "If-Match": 'W/"1"'}, json={"siteId": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["siteId"] is None
    assert changed.headers["etag"] == 'W/"2"'
    assert (await client.delete(url, headers=acme.headers("manager"))).status_code == 204
    assert (await client.get(url, headers=acme.headers("manager"))).status_code == 404


async def test_names_are_unique_among_live_teams(client: httpx.AsyncClient, acme: Tenant) -> None:
    first = await make_team(client, acme, "Electricians")
    again = await client.post(URL, headers=acme.headers("manager"), json={"name": "Electricians"})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "name"
    other = await make_team(client, acme, "Others")
    renamed = await client.patch(
        f"{URL}/{other['id']}", headers=acme.headers("manager"), json={"name": "Electricians"}
    )
    assert renamed.status_code == 409
    await client.delete(f"{URL}/{first['id']}", headers=acme.headers("manager"))
    assert (await make_team(client, acme, "Electricians"))["id"] != first["id"]


async def test_validation_names_the_fields(client: httpx.AsyncClient, acme: Tenant) -> None:
    response = await client.post(
        URL, headers=acme.headers("manager"), json={"name": "", "description": "x" * 2001}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "description"}
    for site in (str(uuid4()), str(acme.north_area.id)):  # unknown, and not a site
        bad_site = await client.post(
            URL, headers=acme.headers("manager"), json={"name": "T", "siteId": site}
        )
        assert bad_site.status_code == 422
        assert bad_site.json()["errors"][0]["field"] == "siteId"
    team = await make_team(client, acme)
    nulled = await client.patch(
        f"{URL}/{team['id']}", headers=acme.headers("manager"), json={"name": None}
    )
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["field"] == "name"


async def test_list_by_name_with_pages_and_site_filter(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    for name in ("Charlie", "Alpha", "Bravo"):
        await make_team(client, acme, name, siteId=str(acme.north.id))
    await make_team(client, acme, "Delta", siteId=str(acme.south.id))
    first = (await client.get(f"{URL}?limit=2", headers=acme.headers("supervisor"))).json()
    assert [t["name"] for t in first["items"]] == ["Alpha", "Bravo"]
    rest = await client.get(
        f"{URL}?limit=2&cursor={first['nextCursor']}", headers=acme.headers("supervisor")
    )
    assert [t["name"] for t in rest.json()["items"]] == ["Charlie", "Delta"]
    assert rest.json()["nextCursor"] is None
    south = await client.get(f"{URL}?siteId={acme.south.id}", headers=acme.headers("admin"))
    assert [t["name"] for t in south.json()["items"]] == ["Delta"]


async def test_members_are_replaced_as_a_set(client: httpx.AsyncClient, acme: Tenant) -> None:
    team = await make_team(client, acme, siteId=str(acme.north.id))
    url = f"{URL}/{team['id']}/members"
    tech, contractor, manager = (acme.users[r].id for r in ("technician", "contractor", "manager"))
    put = await client.put(
        url,
        headers={**acme.headers("manager"), "If-Match": 'W/"1"'},
        json={"userIds": [str(tech), str(contractor), str(tech)]},
    )
    assert put.status_code == 200, put.text
    assert {m["userId"] for m in put.json()["items"]} == {str(tech), str(contractor)}
    assert put.headers["etag"] == 'W/"2"'
    again = await client.put(
        url, headers=acme.headers("manager"), json={"userIds": [str(tech), str(manager)]}
    )
    assert {m["userId"] for m in again.json()["items"]} == {str(tech), str(manager)}
    got = await client.get(url, headers=acme.headers("technician"))
    assert got.status_code == 200
    assert {(m["userId"], m["role"]) for m in got.json()["items"]} == {
        (str(tech), "technician"),
        (str(manager), "manager"),
    }
    stale = await client.put(
        url, headers={**acme.headers("manager"), "If-Match": 'W/"1"'}, json={"userIds": []}
    )
    assert stale.status_code == 412
    emptied = await client.put(url, headers=acme.headers("manager"), json={"userIds": []})
    assert emptied.json()["items"] == []


async def test_members_must_be_active_workers_of_the_tenant_and_site(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    team = await make_team(client, acme, siteId=str(acme.south.id))
    url = f"{URL}/{team['id']}/members"
    ids = [
        acme.users["admin"].id,  # not site-bound: fine anywhere
        acme.users["technician"].id,  # bound to North only
        globex.users["technician"].id,  # another tenant's
        acme.users["requester"].id,  # cannot be given work
        uuid4(),
    ]
    response = await client.put(
        url, headers=acme.headers("manager"), json={"userIds": [str(i) for i in ids]}
    )
    assert response.status_code == 422
    errors = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert errors == {
        "userIds[1]": "outside_site",
        "userIds[2]": "not_found",
        "userIds[3]": "not_found",
        "userIds[4]": "not_found",
    }
    got = await client.get(url, headers=acme.headers("manager"))
    assert got.json()["items"] == []


async def test_a_team_cannot_move_to_a_site_its_members_do_not_work_in(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    team = await make_team(client, acme, siteId=str(acme.north.id))
    members = {"userIds": [str(acme.users["technician"].id)]}
    await client.put(f"{URL}/{team['id']}/members", headers=acme.headers("manager"), json=members)
    moved = await client.patch(
        f"{URL}/{team['id']}", headers=acme.headers("manager"), json={"siteId": str(acme.south.id)}
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0] == {
        "field": "siteId",
        "message": f"User {acme.users['technician'].id} is bound to sites other than the team's.",
        "code": "outside_site",
    }


async def test_deactivated_users_cannot_join(client: httpx.AsyncClient, acme: Tenant) -> None:
    user_id = acme.users["supervisor"].id
    off = await client.patch(
        f"/api/v1/users/{user_id}", headers=acme.headers("admin"), json={"isActive": False}
    )
    assert off.status_code == 200, off.text
    team = await make_team(client, acme)
    response = await client.put(
        f"{URL}/{team['id']}/members",
        headers=acme.headers("manager"),
        json={"userIds": [str(user_id)]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "userIds[0]"


async def test_a_team_with_open_work_is_not_deleted(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    team = await make_team(client, acme)
    work = await make_work_order(client, acme, teamId=team["id"])
    refused = await client.delete(f"{URL}/{team['id']}", headers=acme.headers("manager"))
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "has_open_work"
    cancel = await client.post(
        f"/api/v1/work-orders/{work['id']}/transitions",
        headers=acme.headers("admin"),
        json={"to": "cancelled", "reason": "duplicate"},
    )
    assert cancel.status_code == 200, cancel.text
    assert (
        await client.delete(f"{URL}/{team['id']}", headers=acme.headers("manager"))
    ).status_code == 204


async def test_roles(client: httpx.AsyncClient, acme: Tenant) -> None:
    team = await make_team(client, acme)
    for role in ("supervisor", "technician"):
        assert (
            await client.get(f"{URL}/{team['id']}", headers=acme.headers(role))
        ).status_code == 200
        denied = await client.post(URL, headers=acme.headers(role), json={"name": role})
        assert denied.status_code == 403
        denied = await client.put(
            f"{URL}/{team['id']}/members", headers=acme.headers(role), json={"userIds": []}
        )
        assert denied.status_code == 403
    for role in ("requester", "contractor", "inventory_clerk"):
        assert (await client.get(URL, headers=acme.headers(role))).status_code == 403


async def test_another_tenant_sees_nothing(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    team = await make_team(client, acme)
    url = f"{URL}/{team['id']}"
    other = globex.headers("admin")
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.patch(url, headers=other, json={"name": "x"})).status_code == 404
    assert (await client.delete(url, headers=other)).status_code == 404
    assert (await client.get(f"{url}/members", headers=other)).status_code == 404
    put = await client.put(f"{url}/members", headers=other, json={"userIds": []})
    assert put.status_code == 404
    assert (await client.get(URL, headers=other)).json()["items"] == []
    # Another tenant's site is no site of ours.
    foreign_site = await client.post(
        URL, headers=other, json={"name": "T", "siteId": str(acme.north.id)}
    )
    assert foreign_site.status_code == 422


async def test_idempotent_create(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = {**acme.headers("manager"), "Idempotency-Key": "team-1"}
    first = await client.post(URL, headers=headers, json={"name": "Once"})
    again = await client.post(URL, headers=headers, json={"name": "Once"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    listed = await client.get(URL, headers=acme.headers("manager"))
    assert [t["id"] for t in listed.json()["items"]] == [first.json()["id"]]


async def test_concurrent_member_replacements_apply_one_after_the_other(
    committed: Committed,
) -> None:
    tenant = await committed.make_tenant("teams")
    http = committed.client
    team = await make_team(http, tenant)
    url = f"{URL}/{team['id']}/members"
    sets = [
        [str(tenant.users[r].id)]
        for r in ("technician", "supervisor", "manager", "admin", "contractor")
    ]
    responses = await asyncio.gather(
        *(
            http.put(
                url, headers={**tenant.headers("manager"), "If-Match": 'W/"1"'}, json={"userIds": s}
            )
            for s in sets
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 412}
    winner = next(r for r in responses if r.status_code == 200)
    final = await http.get(url, headers=tenant.headers("manager"))
    assert final.json()["items"] == winner.json()["items"]
    assert len(final.json()["items"]) == 1
