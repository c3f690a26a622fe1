"""Site scopes, proved row by row: for every site-scoped role, on every site-scoped list and get,
a row of the caller's site (NORTH) is visible and one of another site (SOUTH) is not (a get is
404, a list leaves it out). Hierarchies cross sites here on purpose: a NORTH asset with a child
placed in SOUTH, and a SOUTH asset with a child placed in NORTH."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.models import User
from tests.factories.identity import Tenant, make_user

ASSETS = "/api/v1/assets"
SITE_ROLES = ("technician", "supervisor", "inventory_clerk")
WORD = "scopeword"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


@dataclass
class World:
    tenant: Tenant
    ids: dict[str, str]
    south_user: User


async def _post(client: httpx.AsyncClient, tenant: Tenant, url: str, body: object) -> str:
    response = await client.post(url, headers=tenant.headers("admin"), json=body)
    assert response.status_code == 201, response.text
    return str(response.json().get("id") or "")


async def _asset(client: httpx.AsyncClient, tenant: Tenant, code: str, **body: object) -> str:
    fields = {"code": code, "name": f"{WORD} {code}", **body}
    return await _post(client, tenant, ASSETS, fields)


async def _meter(client: httpx.AsyncClient, tenant: Tenant, asset_id: str) -> str:
    body = {"assetId": asset_id, "name": "hours", "unit": "h", "kind": "gauge"}
    meter = await _post(client, tenant, "/api/v1/meters", body)
    reading = {"value": 1.0, "measuredAt": START.isoformat()}
    response = await client.post(
        f"/api/v1/meters/{meter}/readings", headers=tenant.headers("admin"), json=reading
    )
    assert response.status_code == 201, response.text
    return meter


@pytest.fixture
async def world(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], acme: Tenant
) -> World:
    north, south = str(acme.north_area.id), str(acme.south.id)
    here = {"latitude": 52.52, "longitude": 13.40}
    ids: dict[str, str] = {}
    ids["N"] = await _asset(client, acme, "N", locationId=north, **here)
    ids["N_KID_SOUTH"] = await _asset(client, acme, "NKS", parentId=ids["N"], locationId=south)
    ids["S"] = await _asset(client, acme, "S", locationId=south, **here)
    ids["S_KID_NORTH"] = await _asset(client, acme, "SKN", parentId=ids["S"], locationId=north)
    for key in ("N", "S"):
        ids[f"{key}_METER"] = await _meter(client, acme, ids[key])
        ids[f"{key}_DOWN"] = await _post(
            client,
            acme,
            f"{ASSETS}/{ids[key]}/downtime",
            {"startedAt": START.isoformat(), "kind": "unplanned"},
        )
    south_user = await make_user(
        sessions,
        acme.organization_id,
        role="technician",
        email=f"south.{acme.organization_id.hex[-8:]}@acme.example.com",
        site_ids=(acme.south.id,),
    )
    return World(acme, ids, south_user)


async def _status(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> int:
    return (await client.get(url, headers=headers)).status_code


async def _listed(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, **params: str
) -> set[str]:
    response = await client.get(url, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {str(item["id"]) for item in items}


async def _pair(
    client: httpx.AsyncClient, headers: dict[str, str], mine: str, theirs: str
) -> tuple[int, int]:
    return await _status(client, headers, mine), await _status(client, headers, theirs)


@pytest.mark.parametrize("role", [*SITE_ROLES, "contractor"])
async def test_locations(client: httpx.AsyncClient, world: World, role: str) -> None:
    tenant = world.tenant
    headers = tenant.headers(role)
    north, south = str(tenant.north.id), str(tenant.south.id)
    url = "/api/v1/locations"
    listed = await _listed(client, headers, url)
    assert north in listed
    assert south not in listed
    for suffix in ("", "/subtree", "/ancestors"):
        mine, theirs = f"{url}/{north}{suffix}", f"{url}/{south}{suffix}"
        assert await _pair(client, headers, mine, theirs) == (200, 404), suffix
    assert str(tenant.north_area.id) in await _listed(client, headers, f"{url}/{north}/subtree")


@pytest.mark.parametrize("role", SITE_ROLES)
async def test_users(client: httpx.AsyncClient, world: World, role: str) -> None:
    headers = world.tenant.headers(role)
    north_user = str(world.tenant.users["technician"].id)
    listed = await _listed(client, headers, "/api/v1/users")
    assert north_user in listed
    assert str(world.south_user.id) not in listed
    mine, theirs = f"/api/v1/users/{north_user}", f"/api/v1/users/{world.south_user.id}"
    assert await _pair(client, headers, mine, theirs) == (200, 404)


@pytest.mark.parametrize("role", SITE_ROLES)
async def test_asset_gets(client: httpx.AsyncClient, world: World, role: str) -> None:
    headers = world.tenant.headers(role)
    ids = world.ids
    for suffix in ("", "/children", "/subtree", "/ancestors", "/rollup", "/history", "/label"):
        mine, theirs = f"{ASSETS}/{ids['N']}{suffix}", f"{ASSETS}/{ids['S']}{suffix}"
        assert await _pair(client, headers, mine, theirs) == (200, 404), suffix


@pytest.mark.parametrize("role", SITE_ROLES)
async def test_asset_lists_and_tree_walks(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    headers = world.tenant.headers(role)
    ids = world.ids
    mine = {ids["N"], ids["S_KID_NORTH"]}
    assert await _listed(client, headers, ASSETS) == mine
    assert await _listed(client, headers, ASSETS, q=WORD) == mine
    near = await _listed(client, headers, f"{ASSETS}/nearby", lat="52.5", lng="13.4")
    assert near == {ids["N"]}
    assert await _listed(client, headers, f"{ASSETS}/{ids['N']}/children") == set()
    assert await _listed(client, headers, f"{ASSETS}/{ids['N']}/subtree") == {ids["N"]}
    kid = f"{ASSETS}/{ids['S_KID_NORTH']}"
    assert await _listed(client, headers, f"{kid}/ancestors") == set()
    rollup = await client.get(f"{ASSETS}/{ids['N']}/rollup", headers=headers)
    assert rollup.json()["assets"] == 1
    admin = world.tenant.headers("admin")
    assert await _listed(client, admin, f"{kid}/ancestors") == {ids["S"]}
    assert len(await _listed(client, admin, f"{ASSETS}/{ids['N']}/subtree")) == 2


@pytest.mark.parametrize("role", SITE_ROLES)
async def test_meters_readings_and_downtime(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    headers = world.tenant.headers(role)
    ids = world.ids
    assert await _listed(client, headers, "/api/v1/meters") == {ids["N_METER"]}
    meters = "/api/v1/meters"
    for suffix in ("", "/readings"):
        mine, theirs = f"{meters}/{ids['N_METER']}{suffix}", f"{meters}/{ids['S_METER']}{suffix}"
        assert await _pair(client, headers, mine, theirs) == (200, 404), suffix
    down = "/api/v1/downtime"
    assert await _pair(client, headers, f"{down}/{ids['N_DOWN']}", f"{down}/{ids['S_DOWN']}") == (
        200,
        404,
    )
    events = await _listed(client, headers, f"{ASSETS}/{ids['N']}/downtime")
    assert events == {ids["N_DOWN"]}
    period = {"from": START.isoformat(), "to": (START + timedelta(days=1)).isoformat()}
    for asset, expected in ((ids["N"], 200), (ids["S"], 404)):
        response = await client.get(
            f"{ASSETS}/{asset}/availability", headers=headers, params=period
        )
        assert response.status_code == expected
    assert await _status(client, headers, f"{ASSETS}/{ids['S']}/downtime") == 404


async def test_contractors_see_no_assets(client: httpx.AsyncClient, world: World) -> None:
    headers = world.tenant.headers("contractor")
    assert await _status(client, headers, ASSETS) == 403
    assert await _status(client, headers, f"{ASSETS}/{world.ids['N']}") == 403
