"""Re-parenting is cycle-proof under real concurrency (committed data, one connection per
request), and a cycle written past the API (raw SQL) cannot make a tree query run away."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from maintainpro.core.db import Database
from tests.conftest import Committed
from tests.factories.identity import Tenant

ASSETS = "/api/v1/assets"
LOCATIONS = "/api/v1/locations"
ROUNDS = 3
BOUND_S = 10


async def _post(
    client: httpx.AsyncClient, tenant: Tenant, url: str, body: dict[str, object]
) -> str:
    response = await client.post(url, headers=tenant.headers("admin"), json=body)
    assert response.status_code == 201, response.text
    node_id: str = response.json()["id"]
    return node_id


async def _swap(client: httpx.AsyncClient, tenant: Tenant, url: str, a: str, b: str) -> list[int]:
    """A below B and B below A, at the same time."""
    headers = tenant.headers("admin")
    first, second = await asyncio.gather(
        client.patch(f"{url}/{a}", headers=headers, json={"parentId": b}),
        client.patch(f"{url}/{b}", headers=headers, json={"parentId": a}),
    )
    for response in (first, second):
        if response.status_code == 409:
            assert response.json()["errors"][0]["code"] == "cycle"
    return sorted([first.status_code, second.status_code])


async def _parents(client: httpx.AsyncClient, tenant: Tenant, url: str, *ids: str) -> list[object]:
    headers = tenant.headers("admin")
    return [(await client.get(f"{url}/{i}", headers=headers)).json()["parentId"] for i in ids]


async def test_concurrent_asset_swaps_never_make_a_cycle(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="asset-race", roles=("admin",))
    client = committed.client
    for round_ in range(ROUNDS):
        a, b = [
            await _post(client, tenant, ASSETS, {"code": f"R{round_}-{n}", "name": n})
            for n in ("A", "B")
        ]
        assert await _swap(client, tenant, ASSETS, a, b) == [200, 409]
        parents = await _parents(client, tenant, ASSETS, a, b)
        assert parents.count(None) == 1, parents


async def test_concurrent_location_swaps_never_make_a_cycle(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="location-race", roles=("admin",))
    client = committed.client
    for round_ in range(ROUNDS):
        a, b = [
            await _post(
                client,
                tenant,
                LOCATIONS,
                {
                    "code": f"R{round_}-{n}",
                    "name": n,
                    "kind": "area",
                    "parentId": str(tenant.north.id),
                },
            )
            for n in ("A", "B")
        ]
        assert await _swap(client, tenant, LOCATIONS, a, b) == [200, 409]
        parents = await _parents(client, tenant, LOCATIONS, a, b)
        assert str(tenant.north.id) in parents
        assert parents.count(str(tenant.north.id)) == 1


async def _cycle(maint: Database, table: str, child: str, parent: str) -> None:
    async with maint.engine.begin() as conn:
        await conn.execute(
            text(f"UPDATE {table} SET parent_id = CAST(:p AS uuid) WHERE id = CAST(:c AS uuid)"),
            {"p": parent, "c": child},
        )


async def _get(client: httpx.AsyncClient, tenant: Tenant, url: str, **params: str) -> object:
    response = await asyncio.wait_for(
        client.get(url, headers=tenant.headers("admin"), params=params), BOUND_S
    )
    assert response.status_code == 200, response.text
    body: object = response.json()
    return body


def _codes(nodes: object) -> list[str]:
    assert isinstance(nodes, list)
    return [str(node["code"]) for node in nodes]


async def test_a_raw_sql_cycle_does_not_hang_tree_queries(
    committed: Committed, maint_database: Database
) -> None:
    tenant = await committed.make_tenant(label="cycle", roles=("admin",))
    client = committed.client
    north = str(tenant.north.id)
    x = await _post(
        client, tenant, LOCATIONS, {"code": "X", "name": "x", "kind": "area", "parentId": north}
    )
    y = await _post(
        client, tenant, LOCATIONS, {"code": "Y", "name": "y", "kind": "area", "parentId": x}
    )
    a = await _post(client, tenant, ASSETS, {"code": "A", "name": "a", "locationId": y})
    b = await _post(client, tenant, ASSETS, {"code": "B", "name": "b", "parentId": a})
    await _cycle(maint_database, "assets", a, b)
    await _cycle(maint_database, "locations", x, y)
    assert sorted(_codes(await _get(client, tenant, f"{ASSETS}/{a}/subtree"))) == ["A", "B"]
    assert _codes(await _get(client, tenant, f"{ASSETS}/{a}/ancestors")) == ["B"]
    rollup = await _get(client, tenant, f"{ASSETS}/{a}/rollup")
    assert isinstance(rollup, dict)
    assert rollup["assets"] == 2
    assert _codes(await _get(client, tenant, f"{ASSETS}/{a}/children")) == ["B"]
    listed = await _get(client, tenant, ASSETS, locationId=x)
    assert isinstance(listed, dict)
    assert _codes(listed["items"]) == ["A"]
    assert sorted(_codes(await _get(client, tenant, f"{LOCATIONS}/{x}/subtree"))) == ["X", "Y"]
    assert _codes(await _get(client, tenant, f"{LOCATIONS}/{y}/ancestors")) == ["X"]
