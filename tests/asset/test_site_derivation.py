"""An asset's site follows every move above it, in the same transaction, whether the move came
through the API or raw SQL (revision 0008): technicians of the old site lose the assets, those
of the new site gain them. Search and nearby apply the site scope before their row cap."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.config import Settings
from tests.asset.test_routes import URL, make
from tests.factories.identity import Tenant, access_token, make_user

LOCATIONS = "/api/v1/locations"


@pytest.fixture
async def south_tech(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, acme: Tenant
) -> dict[str, str]:
    """Headers of a technician bound to SOUTH (the tenant's own technician works in NORTH)."""
    user = await make_user(
        sessions,
        acme.organization_id,
        role="technician",
        email=f"south.{acme.organization_id.hex[-8:]}@acme.example.com",
        site_ids=(acme.south.id,),
    )
    return {"Authorization": f"Bearer {await access_token(sessions, settings.auth, user)}"}


async def visible_to(
    client: httpx.AsyncClient, headers: dict[str, str], assets: list[dict[str, object]]
) -> list[bool]:
    return [
        (await client.get(f"{URL}/{asset['id']}", headers=headers)).status_code == 200
        for asset in assets
    ]


async def site_of(client: httpx.AsyncClient, tenant: Tenant, asset: dict[str, object]) -> object:
    got = await client.get(f"{URL}/{asset['id']}", headers=tenant.headers("admin"))
    return got.json()["siteId"]


async def test_moving_a_building_moves_the_assets_below_it(
    client: httpx.AsyncClient, acme: Tenant, south_tech: dict[str, str]
) -> None:
    admin = acme.headers("admin")
    building = await client.post(
        LOCATIONS,
        headers=admin,
        json={"code": "B-1", "name": "b", "kind": "building", "parentId": str(acme.north.id)},
    )
    area = await client.post(
        LOCATIONS,
        headers=admin,
        json={"code": "B-1-A", "name": "a", "kind": "area", "parentId": building.json()["id"]},
    )
    pump = await make(client, acme, "PUMP", locationId=area.json()["id"])
    motor = await make(client, acme, "MOTOR", parentId=pump["id"], locationId=None)
    rotor = await make(client, acme, "ROTOR", parentId=motor["id"], locationId=None)
    below = [pump, motor, rotor]
    north_tech = acme.headers("technician")
    assert await visible_to(client, north_tech, below) == [True] * 3
    assert await visible_to(client, south_tech, below) == [False] * 3
    moved = await client.patch(
        f"{LOCATIONS}/{building.json()['id']}", headers=admin, json={"parentId": str(acme.south.id)}
    )
    assert moved.status_code == 200, moved.text
    assert await visible_to(client, north_tech, below) == [False] * 3
    assert await visible_to(client, south_tech, below) == [True] * 3
    for asset in below:
        assert await site_of(client, acme, asset) == str(acme.south.id)


async def test_moving_a_parent_asset_moves_its_subtree(
    client: httpx.AsyncClient, acme: Tenant, south_tech: dict[str, str]
) -> None:
    admin = acme.headers("admin")
    line = await make(client, acme, "LINE")
    machine = await make(client, acme, "MACH", parentId=line["id"], locationId=None)
    part = await make(client, acme, "PART", parentId=machine["id"], locationId=None)
    placed = await make(client, acme, "PLACED", parentId=machine["id"])  # its own NORTH location
    moved = await client.patch(
        f"{URL}/{line['id']}", headers=admin, json={"locationId": str(acme.south.id)}
    )
    assert (moved.status_code, moved.json()["siteId"]) == (200, str(acme.south.id))
    assert await visible_to(client, south_tech, [line, machine, part, placed]) == [
        True,
        True,
        True,
        False,
    ]
    assert await visible_to(client, acme.headers("technician"), [machine, part, placed]) == [
        False,
        False,
        True,
    ]
    home = await make(client, acme, "HOME")  # in NORTH
    regrouped = await client.patch(
        f"{URL}/{machine['id']}", headers=admin, json={"parentId": home["id"]}
    )
    assert regrouped.status_code == 200
    assert await visible_to(client, acme.headers("technician"), [machine, part]) == [True, True]
    assert await visible_to(client, south_tech, [machine, part]) == [False, False]


async def test_deleting_a_location_or_a_parent_re_derives_the_site(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    admin = acme.headers("admin")
    area = await client.post(
        LOCATIONS,
        headers=admin,
        json={"code": "GONE", "name": "g", "kind": "area", "parentId": str(acme.north.id)},
    )
    stranded = await make(client, acme, "STRANDED", locationId=area.json()["id"])
    assert (await client.delete(f"{LOCATIONS}/{area.json()['id']}", headers=admin)).status_code
    # A deleted location places nothing: no site, so only organization-wide roles see it.
    assert await site_of(client, acme, stranded) is None
    assert await visible_to(client, acme.headers("technician"), [stranded]) == [False]
    parent = await make(client, acme, "PARENT")
    child = await make(client, acme, "CHILD", parentId=parent["id"], locationId=None)
    detached = await client.delete(
        f"{URL}/{parent['id']}", headers=admin, params={"children": "detach"}
    )
    assert detached.status_code == 204
    # A detached child stays where its parent was, and so in its site.
    assert await site_of(client, acme, child) == str(acme.north.id)
    assert await visible_to(client, acme.headers("technician"), [child]) == [True]


async def test_raw_sql_moves_re_derive_sites_too(
    client: httpx.AsyncClient, conn: AsyncConnection, acme: Tenant
) -> None:
    pump = await make(client, acme, "RAW-PUMP")
    seal = await make(client, acme, "RAW-SEAL", parentId=pump["id"], locationId=None)
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(acme.organization_id)}
    )
    await conn.execute(
        text("UPDATE assets SET site_id = :s WHERE id = :a"), {"s": acme.south.id, "a": seal["id"]}
    )
    assert await site_of(client, acme, seal) == str(acme.north.id)  # derived, not writable
    await conn.execute(
        text("UPDATE locations SET parent_id = :s WHERE id = :a"),
        {"s": acme.south.id, "a": acme.north_area.id},
    )
    area = await client.get(f"{LOCATIONS}/{acme.north_area.id}", headers=acme.headers("admin"))
    assert area.json()["siteId"] == str(acme.south.id)
    assert await site_of(client, acme, pump) == str(acme.south.id)
    assert await site_of(client, acme, seal) == str(acme.south.id)


async def test_supervisors_cannot_move_an_asset_out_of_their_sites(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    pump = await make(client, acme, "SUP-PUMP")
    refused = await client.patch(
        f"{URL}/{pump['id']}",
        headers=acme.headers("supervisor"),
        json={"locationId": str(acme.south.id)},
    )
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "locationId")
    assert await site_of(client, acme, pump) == str(acme.north.id)


FILL_SOUTH = text(
    """
    INSERT INTO assets (id, organization_id, code, name, location_id, latitude, longitude,
                        label_code)
    SELECT app.uuidv7(), CAST(:org AS uuid), 'S-' || i, 'Pump ' || i, CAST(:south AS uuid),
           52.5 + i / 100000.0, 13.4, 'S-' || i
    FROM generate_series(1, :rows) AS i
    """
)


async def test_search_and_nearby_scope_before_their_cap(
    client: httpx.AsyncClient, conn: AsyncConnection, acme: Tenant
) -> None:
    """SOUTH holds more and better matches than any cap; a NORTH technician still finds theirs."""
    await make(
        client,
        acme,
        "N-HIDDEN",
        name="Blower",
        description="next to the old pump",
        latitude=52.6,
        longitude=13.4,
    )
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(acme.organization_id)}
    )
    await conn.execute(
        FILL_SOUTH, {"org": acme.organization_id, "south": acme.south.id, "rows": 1100}
    )
    tech = acme.headers("technician")
    found = await client.get(URL, headers=tech, params={"q": "pump"})
    assert [item["code"] for item in found.json()["items"]] == ["N-HIDDEN"]
    near = await client.get(
        f"{URL}/nearby", headers=tech, params={"lat": 52.5, "lng": 13.4, "limit": 5}
    )
    assert [item["code"] for item in near.json()["items"]] == ["N-HIDDEN"]
    everyone = await client.get(URL, headers=acme.headers("admin"), params={"q": "pump"})
    assert len(everyone.json()["items"]) == 50
    assert everyone.json()["items"][-1]["code"].startswith("S-")
