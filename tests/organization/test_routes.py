"""/api/v1/organization: the caller's own organization."""

from __future__ import annotations

import httpx

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core.db import Database
from tests.factories.identity import Tenant

URL = "/api/v1/organization"


async def test_every_role_reads_its_own_organization(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    for role in acme.users:
        response = await client.get(URL, headers=acme.headers(role))
        assert response.status_code == 200
        assert response.json()["id"] == str(acme.organization_id)
    other = await client.get(URL, headers=globex.headers("technician"))
    assert other.json()["id"] == str(globex.organization_id)


async def test_admin_updates_settings_branding_and_flags(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("admin")
    etag = (await client.get(URL, headers=headers)).headers["etag"]
    response = await client.patch(
        URL,
        headers={**headers, "If-Match": etag},
        json={
            "name": "Acme Corp",
            "timezone": "America/Chicago",
            "branding": {"primaryColor": "#0044aa"},
            "featureFlags": {"beta-calendar": True},
            "settings": {"weekStartsOn": 1},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["timezone"], body["version"]) == ("Acme Corp", "America/Chicago", 2)
    assert body["branding"] == {"primaryColor": "#0044aa"}
    assert body["featureFlags"] == {"beta-calendar": True}
    stale = await client.patch(URL, headers={**headers, "If-Match": etag}, json={"name": "Lost"})
    assert stale.status_code == 412


async def test_updates_are_validated(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    zone = await client.patch(URL, headers=headers, json={"timezone": "Nowhere/Land"})
    assert (zone.status_code, zone.json()["errors"][0]["field"]) == (422, "timezone")
    slug = await client.patch(URL, headers=headers, json={"slug": "new"})
    assert slug.json()["errors"][0]["code"] == "extra_forbidden"
    flags = await client.patch(URL, headers=headers, json={"featureFlags": {"x": "yes"}})
    assert flags.status_code == 422
    null = await client.patch(URL, headers=headers, json={"name": None})
    assert null.json()["errors"][0]["field"] == "name"
    hours = {"days": [0, 2], "start": "18:00", "end": "09:00"}
    bad = await client.patch(URL, headers=headers, json={"settings": {"businessHours": hours}})
    assert bad.status_code == 422, bad.text
    assert {e["field"] for e in bad.json()["errors"]} == {"settings.businessHours.days.0"}
    backwards = {"start": "18:00", "end": "09:00"}
    late = await client.patch(URL, headers=headers, json={"settings": {"businessHours": backwards}})
    assert (late.status_code, late.json()["errors"][0]["field"]) == (422, "settings.businessHours")
    weekend = {"businessHours": {"days": [6, 7], "start": "10:00", "end": "14:00"}}
    saved = await client.patch(URL, headers=headers, json={"settings": weekend})
    assert (saved.status_code, saved.json()["settings"]) == (200, weekend)


async def test_only_admins_change_the_organization(client: httpx.AsyncClient, acme: Tenant) -> None:
    for role in ("manager", "supervisor", "technician", "requester"):
        response = await client.patch(URL, headers=acme.headers(role), json={"name": "Mine"})
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"


async def test_an_organization_cannot_set_an_installation_flag(
    settings: Settings, test_database: Database, acme: Tenant
) -> None:
    """Installation flags (MAINTAINPRO_FEATURES) belong to the operator, never to a tenant."""
    installation = settings.model_copy(update={"features": frozenset({"new-scheduler"})})
    app = create_app(installation, database=test_database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.patch(
            URL,
            headers=acme.headers("admin"),
            json={"featureFlags": {"beta-calendar": True, "new-scheduler": False}},
        )
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [
            ("featureFlags.new-scheduler", "installation_flag")
        ]
        body = (await http.get(URL, headers=acme.headers("admin"))).json()
        assert body["featureFlags"] == {}
        own = await http.patch(
            URL, headers=acme.headers("admin"), json={"featureFlags": {"beta-calendar": True}}
        )
        assert own.json()["featureFlags"] == {"beta-calendar": True}
