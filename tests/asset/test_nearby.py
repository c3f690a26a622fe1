"""Nearest-first geo search, on PostGIS and on the embedded server's earthdistance (D9)."""

from __future__ import annotations

import math

import httpx
import pytest

from tests.asset.test_routes import make
from tests.factories.identity import Tenant

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


async def test_nearby_is_nearest_first_with_distances(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    for code, (lat, lng) in {"POTSDAM": POTSDAM, "LEIPZIG": LEIPZIG, "MUNICH": MUNICH}.items():
        await make(client, acme, code, latitude=lat, longitude=lng)
    await make(client, acme, "NOWHERE")  # no position: never listed
    gone = await make(client, acme, "GONE", latitude=BERLIN[0], longitude=BERLIN[1])
    await client.delete(f"/api/v1/assets/{gone['id']}", headers=acme.headers("admin"))
    response = await client.get(
        "/api/v1/assets/nearby",
        headers=acme.headers("admin"),
        params={"lat": BERLIN[0], "lng": BERLIN[1], "radiusM": 300_000, "limit": 10},
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["code"] for item in items] == ["POTSDAM", "LEIPZIG"]
    for item, place in zip(items, (POTSDAM, LEIPZIG), strict=True):
        assert math.isclose(item["distanceM"], haversine_m(BERLIN, place), rel_tol=0.01)
    limited = await client.get(
        "/api/v1/assets/nearby",
        headers=acme.headers("admin"),
        params={"lat": BERLIN[0], "lng": BERLIN[1], "radiusM": 1_000_000, "limit": 1},
    )
    assert [item["code"] for item in limited.json()["items"]] == ["POTSDAM"]


async def test_nearby_respects_scopes_and_tenants(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    await make(client, acme, "NORTH-GEO", latitude=POTSDAM[0], longitude=POTSDAM[1])
    await make(
        client,
        acme,
        "SOUTH-GEO",
        latitude=LEIPZIG[0],
        longitude=LEIPZIG[1],
        locationId=str(acme.south.id),
    )
    params = {"lat": BERLIN[0], "lng": BERLIN[1], "radiusM": 500_000}
    tech = await client.get(
        "/api/v1/assets/nearby", headers=acme.headers("technician"), params=params
    )
    assert [item["code"] for item in tech.json()["items"]] == ["NORTH-GEO"]
    other = await client.get(
        "/api/v1/assets/nearby", headers=globex.headers("admin"), params=params
    )
    assert other.json()["items"] == []


async def test_nearby_validates_its_query(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    for params, field in (
        ({"lng": 1}, "lat"),
        ({"lat": 100, "lng": 1}, "lat"),
        ({"lat": 1, "lng": 1, "radiusM": 0}, "radiusM"),
        ({"lat": 1, "lng": 1, "limit": 1000}, "limit"),
    ):
        response = await client.get("/api/v1/assets/nearby", headers=headers, params=params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
