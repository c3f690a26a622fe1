"""/api/v1/users: administration, grantable roles, site scopes and tenant isolation (C2, D12)."""

from __future__ import annotations

import httpx

from tests.factories.http import login
from tests.factories.identity import Tenant

URL = "/api/v1/users"


async def test_admin_creates_a_site_bound_user_who_can_sign_in(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    response = await client.post(
        URL,
        headers=acme.headers("admin"),
        json={
            "email": "New.Tech@acme.example.com",
            "fullName": "New Tech",
            "role": "technician",
            "siteIds": [str(acme.north.id)],
            "password": "a long enough password",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["email"], body["role"], body["siteIds"]) == (
        "new.tech@acme.example.com",
        "technician",
        [str(acme.north.id)],
    )
    assert "passwordHash" not in body
    assert response.headers["etag"] == 'W/"1"'
    assert (
        await login(client, "new.tech@acme.example.com", "a long enough password")
    ).status_code == 200
    duplicate = await client.post(
        URL,
        headers=acme.headers("admin"),
        json={"email": "new.tech@acme.example.com", "fullName": "Again", "role": "requester"},
    )
    assert duplicate.status_code == 409


async def test_sites_must_be_sites_of_this_organization(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    for site in (acme.north_area.id, globex.north.id):
        response = await client.post(
            URL,
            headers=acme.headers("admin"),
            json={
                "email": f"s{site.hex[:6]}@acme.example.com",
                "fullName": "S",
                "role": "supervisor",
                "siteIds": [str(site)],
            },
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "siteIds"


async def test_grantable_roles_decide_who_may_grant_what(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    def new(role: str) -> dict[str, object]:
        return {"email": f"{role}.x@acme.example.com", "fullName": "X", "role": role}

    manager = acme.headers("manager")
    assert (await client.post(URL, headers=manager, json=new("admin"))).status_code == 403
    assert (await client.post(URL, headers=manager, json=new("supervisor"))).status_code == 201
    admin_id = acme.users["admin"].id
    promote = await client.patch(f"{URL}/{admin_id}", headers=manager, json={"fullName": "Boss"})
    assert promote.status_code == 403  # a manager may not manage an admin at all
    tech_id = acme.users["technician"].id
    to_admin = await client.patch(f"{URL}/{tech_id}", headers=manager, json={"role": "admin"})
    assert to_admin.status_code == 403
    to_supervisor = await client.patch(
        f"{URL}/{tech_id}", headers=manager, json={"role": "supervisor"}
    )
    assert (to_supervisor.status_code, to_supervisor.json()["role"]) == (200, "supervisor")
    assert (
        await client.post(URL, headers=acme.headers("supervisor"), json=new("requester"))
    ).status_code == 403


async def test_nobody_changes_their_own_role_or_deactivates_themselves(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    admin_id = acme.users["admin"].id
    headers = acme.headers("admin")
    assert (
        await client.patch(f"{URL}/{admin_id}", headers=headers, json={"role": "manager"})
    ).status_code == 409
    assert (await client.delete(f"{URL}/{admin_id}", headers=headers)).status_code == 409


async def test_deactivation_ends_every_session(client: httpx.AsyncClient, acme: Tenant) -> None:
    tech = acme.users["technician"]
    assert (
        await client.delete(f"{URL}/{tech.id}", headers=acme.headers("admin"))
    ).status_code == 204
    assert (
        await client.get("/api/v1/auth/me", headers=acme.headers("technician"))
    ).status_code == 401
    assert (await login(client, tech.email)).status_code == 401
    shown = await client.get(f"{URL}/{tech.id}", headers=acme.headers("admin"))
    assert shown.json()["isActive"] is False
    inactive = await client.get(URL, params={"isActive": "false"}, headers=acme.headers("admin"))
    assert [item["id"] for item in inactive.json()["items"]] == [str(tech.id)]


async def test_updates_are_guarded_by_if_match_and_validated(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    target = f"{URL}/{acme.users['requester'].id}"
    headers = acme.headers("admin")
    etag = (await client.get(target, headers=headers)).headers["etag"]
    ok = await client.patch(
        target, headers={**headers, "If-Match": etag}, json={"fullName": "R. Q."}
    )
    assert ok.status_code == 200
    stale = await client.patch(
        target, headers={**headers, "If-Match": etag}, json={"fullName": "Lost"}
    )
    assert stale.status_code == 412
    bad = await client.patch(target, headers=headers, json={"role": "overlord", "email": "x@y.z"})
    assert {e["field"] for e in bad.json()["errors"]} == {"role", "email"}
    null = await client.patch(target, headers=headers, json={"fullName": None})
    assert null.status_code == 422
    assert null.json()["errors"][0]["field"] == "fullName"


async def test_site_scoped_roles_see_their_colleagues_only(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    listed = await client.get(URL, headers=acme.headers("technician"))
    roles = {item["role"] for item in listed.json()["items"]}
    assert roles == {"supervisor", "technician", "inventory_clerk", "contractor"}
    hidden = await client.get(f"{URL}/{acme.users['admin'].id}", headers=acme.headers("technician"))
    assert hidden.status_code == 404
    own = await client.get(URL, headers=acme.headers("contractor"))
    assert [item["role"] for item in own.json()["items"]] == ["contractor"]
    by_site = await client.get(
        URL, params={"siteId": str(acme.north.id)}, headers=acme.headers("admin")
    )
    assert len(by_site.json()["items"]) == 4
    by_role = await client.get(URL, params={"role": "manager"}, headers=acme.headers("admin"))
    assert [item["role"] for item in by_role.json()["items"]] == ["manager"]


async def test_pagination_walks_every_user_once(client: httpx.AsyncClient, acme: Tenant) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=acme.headers("admin"))).json()
        seen += [item["id"] for item in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
    assert sorted(seen) == sorted(str(user.id) for user in acme.users.values())


async def test_another_organization_gets_404_for_every_user_id(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    headers = globex.headers("admin")
    target = f"{URL}/{acme.users['technician'].id}"
    for response in (
        await client.get(target, headers=headers),
        await client.patch(target, headers=headers, json={"fullName": "x"}),
        await client.delete(target, headers=headers),
    ):
        assert response.status_code == 404
    listed = await client.get(URL, headers=headers)
    assert {item["organizationId"] for item in listed.json()["items"]} == {
        str(globex.organization_id)
    }
