"""Nearest-first search of vendors and contractors, on PostGIS and on earthdistance (D9)."""

from __future__ import annotations

import math

import httpx
import pytest

from tests.factories.identity import Tenant
from tests.vendor.test_routes import Kind, each_kind, make

pytestmark = pytest.mark.geo

BERLIN = (52.5200, 13.4050)
POTSDAM = (52.3906, 13.0645)
LEIPZIG = (51.3397, 12.3731)
MUNICH = (48.1351, 11.5820)


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


async def near(
    client: httpx.AsyncClient, tenant: Tenant, kind: Kind, **params: object
) -> httpx.Response:
    query = {"lat": BERLIN[0], "lng": BERLIN[1], **params}
    return await client.get(
        f"{kind.url}/nearby", headers=tenant.headers("technician"), params=query
    )


@each_kind
async def test_nearest_first_with_distances_inside_the_radius(
    client: httpx.AsyncClient, acme: Tenant, kind: Kind
) -> None:
    for name, (lat, lng) in {"Munich": MUNICH, "Leipzig": LEIPZIG, "Potsdam": POTSDAM}.items():
        await make(client, acme, kind, name, latitude=lat, longitude=lng)
    await make(client, acme, kind, "Nowhere")  # no position: never listed
    gone = await make(client, acme, kind, "Gone", latitude=BERLIN[0], longitude=BERLIN[1])
    await client.delete(f"{kind.url}/{gone['id']}", headers=acme.headers("admin"))
    response = await near(client, acme, kind, radiusM=300_000, limit=10)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["Potsdam", "Leipzig"]
    for item, place in zip(items, (POTSDAM, LEIPZIG), strict=True):
        assert math.isclose(item["distanceM"], haversine_m(BERLIN, place), rel_tol=0.01)
        assert (item["latitude"], item["longitude"], item["version"]) == (*place, 1)
    everything = await near(client, acme, kind, radiusM=1_000_000)
    assert [item["name"] for item in everything.json()["items"]] == ["Potsdam", "Leipzig", "Munich"]
    first = await near(client, acme, kind, radiusM=1_000_000, limit=1)
    assert [item["name"] for item in first.json()["items"]] == ["Potsdam"]
    default_radius = await near(client, acme, kind)  # 50 km
    assert [item["name"] for item in default_radius.json()["items"]] == ["Potsdam"]


@each_kind
async def test_each_organization_sees_only_its_own(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant, kind: Kind
) -> None:
    await make(client, acme, kind, "Acme Potsdam", latitude=POTSDAM[0], longitude=POTSDAM[1])
    await make(client, globex, kind, "Globex Berlin", latitude=BERLIN[0], longitude=BERLIN[1])
    ours = await near(client, acme, kind, radiusM=100_000)
    assert [item["name"] for item in ours.json()["items"]] == ["Acme Potsdam"]
    theirs = await near(client, globex, kind, radiusM=100_000)
    assert [item["name"] for item in theirs.json()["items"]] == ["Globex Berlin"]


@each_kind
async def test_nearby_validates_its_query_and_permission(
    client: httpx.AsyncClient, acme: Tenant, kind: Kind
) -> None:
    headers = acme.headers("admin")
    for params, field in (
        ({"lng": 1}, "lat"),
        ({"lat": 1}, "lng"),
        ({"lat": 100, "lng": 1}, "lat"),
        ({"lat": 1, "lng": 181}, "lng"),
        ({"lat": 1, "lng": 1, "radiusM": 0.5}, "radiusM"),
        ({"lat": 1, "lng": 1, "radiusM": 1_000_001}, "radiusM"),
        ({"lat": 1, "lng": 1, "limit": 0}, "limit"),
        ({"lat": 1, "lng": 1, "limit": 101}, "limit"),
        ({"lat": 1, "lng": 1, "radius_m": 5}, "radius_m"),
    ):
        response = await client.get(f"{kind.url}/nearby", headers=headers, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["errors"][0]["field"] == field
    refused = await client.get(
        f"{kind.url}/nearby", headers=acme.headers("requester"), params={"lat": 1, "lng": 1}
    )
    assert refused.status_code == 403
