"""/api/v1/locations: the site tree, scopes, concurrency and tenant isolation."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.factories.identity import Tenant

URL = "/api/v1/locations"


async def create(client: httpx.AsyncClient, tenant: Tenant, **body: object) -> httpx.Response:
    return await client.post(URL, headers=tenant.headers("admin"), json=body)


async def test_create_get_and_list_a_tree(client: httpx.AsyncClient, acme: Tenant) -> None:
    building = await create(
        client, acme, code="N-B9", name="Building 9", kind="building", parentId=str(acme.north.id)
    )
    assert building.status_code == 201, building.text
    body = building.json()
    assert body["siteId"] == str(acme.north.id)
    assert body["version"] == 1
    assert building.headers["etag"] == 'W/"1"'
    area = await create(client, acme, code="N-B9-A1", name="Area", kind="area", parentId=body["id"])
    assert area.json()["siteId"] == str(acme.north.id)
    got = await client.get(f"{URL}/{body['id']}", headers=acme.headers("manager"))
    assert got.json() == body
    subtree = await client.get(f"{URL}/{acme.north.id}/subtree", headers=acme.headers("manager"))
    by_code = {node["code"]: node["depth"] for node in subtree.json()}
    assert by_code == {"NORTH": 0, "N-AREA": 1, "N-B9": 1, "N-B9-A1": 2}
    ancestors = await client.get(
        f"{URL}/{area.json()['id']}/ancestors", headers=acme.headers("manager")
    )
    assert [node["code"] for node in ancestors.json()] == ["NORTH", "N-B9"]
    sites = await client.get(URL, params={"kind": "site"}, headers=acme.headers("manager"))
    assert {item["code"] for item in sites.json()["items"]} == {"NORTH", "SOUTH"}


async def test_tree_rules_are_enforced(client: httpx.AsyncClient, acme: Tenant) -> None:
    orphan = await create(client, acme, code="X", name="x", kind="area")
    assert orphan.status_code == 422
    assert orphan.json()["errors"][0]["field"] == "parentId"
    rooted = await create(
        client, acme, code="Y", name="y", kind="site", parentId=str(acme.north.id)
    )
    assert rooted.status_code == 422
    missing_parent = await create(
        client, acme, code="Z", name="z", kind="area", parentId=str(uuid4())
    )
    assert missing_parent.status_code == 422
    duplicate = await create(client, acme, code="NORTH", name="again", kind="site")
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "code"
    bad = await create(client, acme, code="has space", name="", kind="castle", parent_id="x")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"code", "name", "kind", "parent_id"}


async def test_moving_reparents_the_subtree_and_refuses_cycles(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    building = (
        await create(client, acme, code="B", name="b", kind="building", parentId=str(acme.north.id))
    ).json()
    area = (
        await create(client, acme, code="B-A", name="a", kind="area", parentId=building["id"])
    ).json()
    headers = acme.headers("admin")
    cycle = await client.patch(
        f"{URL}/{building['id']}", headers=headers, json={"parentId": area["id"]}
    )
    assert cycle.status_code == 409
    assert cycle.json()["errors"][0]["code"] == "cycle"
    moved = await client.patch(
        f"{URL}/{building['id']}", headers=headers, json={"parentId": str(acme.south.id)}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["siteId"] == str(acme.south.id)
    child = await client.get(f"{URL}/{area['id']}", headers=headers)
    assert child.json()["siteId"] == str(acme.south.id)
    site_move = await client.patch(
        f"{URL}/{acme.north.id}", headers=headers, json={"parentId": str(acme.south.id)}
    )
    assert site_move.status_code == 422


async def test_if_match_detects_lost_updates(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    current = await client.get(f"{URL}/{acme.south.id}", headers=headers)
    etag = current.headers["etag"]
    first = await client.patch(
        f"{URL}/{acme.south.id}", headers={**headers, "If-Match": etag}, json={"name": "South A"}
    )
    assert first.status_code == 200
    assert first.headers["etag"] == 'W/"2"'
    stale = await client.patch(
        f"{URL}/{acme.south.id}", headers={**headers, "If-Match": etag}, json={"name": "South B"}
    )
    assert stale.status_code == 412
    garbage = await client.patch(
        f"{URL}/{acme.south.id}", headers={**headers, "If-Match": "nonsense"}, json={"name": "x"}
    )
    assert garbage.status_code == 422
    final = await client.get(f"{URL}/{acme.south.id}", headers=headers)
    assert final.json()["name"] == "South A"


async def test_delete_is_soft_and_refused_while_children_live(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("admin")
    refused = await client.delete(f"{URL}/{acme.north.id}", headers=headers)
    assert refused.status_code == 409
    assert (await client.delete(f"{URL}/{acme.north_area.id}", headers=headers)).status_code == 204
    assert (await client.get(f"{URL}/{acme.north_area.id}", headers=headers)).status_code == 404
    reused = await create(
        client, acme, code="N-AREA", name="again", kind="area", parentId=str(acme.north.id)
    )
    assert reused.status_code == 201  # a deleted code can be used again
    assert (await client.delete(f"{URL}/{reused.json()['id']}", headers=headers)).status_code == 204


async def test_site_bound_roles_see_only_their_sites(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    listed = await client.get(URL, headers=acme.headers("technician"))
    assert {item["code"] for item in listed.json()["items"]} == {"NORTH", "N-AREA"}
    assert (
        await client.get(f"{URL}/{acme.south.id}", headers=acme.headers("technician"))
    ).status_code == 404
    everything = await client.get(URL, headers=acme.headers("requester"))
    assert {item["code"] for item in everything.json()["items"]} == {"NORTH", "N-AREA", "SOUTH"}


async def test_pagination_walks_every_row_once(client: httpx.AsyncClient, acme: Tenant) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=acme.headers("admin"))).json()
        seen += [item["code"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["N-AREA", "NORTH", "SOUTH"]
    bad = await client.get(URL, params={"cursor": "!!"}, headers=acme.headers("admin"))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"
    unknown = await client.get(URL, params={"colour": "red"}, headers=acme.headers("admin"))
    assert unknown.status_code == 422


async def test_another_organization_gets_404_for_every_id(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    headers = globex.headers("admin")
    target = f"{URL}/{acme.north.id}"
    for response in (
        await client.get(target, headers=headers),
        await client.get(f"{target}/subtree", headers=headers),
        await client.get(f"{target}/ancestors", headers=headers),
        await client.patch(target, headers=headers, json={"name": "mine now"}),
        await client.delete(f"{URL}/{acme.north_area.id}", headers=headers),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == "No such location."
    foreign_parent = await create(
        client, globex, code="G", name="g", kind="area", parentId=str(acme.north.id)
    )
    assert foreign_parent.status_code == 422
    listed = await client.get(URL, headers=headers)
    assert str(acme.north.id) not in listed.text
