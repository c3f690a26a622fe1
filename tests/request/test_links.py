"""Request links: created by admins, used by anyone holding the URL (no account)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import httpx
import segno
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.config import Settings
from maintainpro.core import context
from tests.factories.identity import Tenant
from tests.factories.work_order import make_asset, make_work_order

LINKS = "/api/v1/request-links"


async def make_link(client: httpx.AsyncClient, tenant: Tenant, **target: object) -> dict[str, str]:
    response = await client.post(LINKS, headers=tenant.headers("admin"), json=target)
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_a_link_url_carries_a_d4_token_of_which_only_the_digest_is_stored(
    client: httpx.AsyncClient,
    acme: Tenant,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    asset = await make_asset(client, acme, "P-1")
    link = await make_link(client, acme, assetId=asset["id"], name="Pump label")
    assert set(link) == {"id", "url"}
    prefix = (
        f"{settings.http.public_url.rstrip('/')}/public/r/mp_reqlink_{acme.organization_id.hex}."
    )
    assert link["url"].startswith(prefix)
    secret = link["url"].removeprefix(prefix)
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            row = (
                await session.execute(
                    text("SELECT to_jsonb(l)::text FROM request_links l WHERE id = :id"),
                    {"id": link["id"]},
                )
            ).scalar_one()
    assert secret not in row
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            audited = (
                await session.execute(
                    text("SELECT after FROM activity_logs WHERE entity_id = :id"),
                    {"id": link["id"]},
                )
            ).scalar_one()
    assert "digest" not in audited  # token digests stay out of the audit trail
    listed = (await client.get(LINKS, headers=acme.headers("admin"))).json()["items"]
    assert [(item["id"], item["url"], item["name"]) for item in listed] == [
        (link["id"], link["url"], "Pump label")
    ]


async def test_anyone_with_the_link_sees_the_asset_and_its_open_work(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "P-2", name="Feed pump")
    open_work = await make_work_order(client, acme, title="Seal leaks", assetIds=[asset["id"]])
    cancelled = await make_work_order(client, acme, title="Old", assetIds=[asset["id"]])
    moved = await client.post(
        f"/api/v1/work-orders/{cancelled['id']}/transitions",
        headers=acme.headers("admin"),
        json={"to": "cancelled", "reason": "duplicate"},
    )
    assert moved.status_code == 200, moved.text
    await make_work_order(client, acme, title="Elsewhere")
    link = await make_link(client, acme, assetId=asset["id"])
    seen = await client.get(path_of(link["url"]))
    assert seen.status_code == 200, seen.text
    assert seen.json() == {
        "kind": "asset",
        "name": "Feed pump",
        "openWorkOrders": [{"number": open_work["number"], "title": "Seal leaks", "status": "new"}],
    }


async def test_a_location_link_shows_the_work_at_that_location(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await make_work_order(client, acme, title="Lights out")
    link = await make_link(client, acme, locationId=str(acme.north_area.id))
    seen = (await client.get(path_of(link["url"]))).json()
    assert seen["kind"] == "location"
    assert seen["name"] == acme.north_area.name
    assert [w["number"] for w in seen["openWorkOrders"]] == [work["number"]]


async def test_anyone_can_file_a_request_through_the_link(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "P-3")
    link = await make_link(client, acme, assetId=asset["id"])
    filed = await client.post(
        path_of(link["url"]),
        json={"title": "Smoke", "name": "Visitor", "email": "visitor@example.com"},
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "submitted"
    request = (
        await client.get(f"/api/v1/requests/{filed.json()['id']}", headers=acme.headers("admin"))
    ).json()
    assert request["requesterId"] is None
    assert (request["requesterName"], request["requesterEmail"]) == (
        "Visitor",
        "visitor@example.com",
    )
    assert (request["requestLinkId"], request["assetId"]) == (link["id"], asset["id"])
    assert request["siteId"] == str(acme.north.id)
    approved = await client.post(
        f"/api/v1/requests/{request['id']}/approve", headers=acme.headers("supervisor")
    )
    assert approved.status_code == 200, approved.text
    work = (
        await client.get(
            f"/api/v1/work-orders/{approved.json()['workOrderId']}",
            headers=acme.headers("supervisor"),
        )
    ).json()
    assert "Visitor <visitor@example.com>" in work["description"]
    refused = await client.post(path_of(link["url"]), json={"title": "x", "email": "not-mail"})
    assert refused.status_code == 422


async def test_a_revoked_or_unknown_link_is_404(client: httpx.AsyncClient, acme: Tenant) -> None:
    link = await make_link(client, acme, locationId=str(acme.north.id))
    path = path_of(link["url"])
    revoked = await client.delete(f"{LINKS}/{link['id']}", headers=acme.headers("admin"))
    assert revoked.status_code == 204
    assert (await client.get(path)).status_code == 404
    assert (await client.post(path, json={"title": "t"})).status_code == 404
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    for unknown in (forged, "/public/r/nonsense", f"/public/r/mp_calfeed_{path.split('_')[-1]}"):
        assert (await client.get(unknown)).status_code == 404, unknown
    listed = (await client.get(f"{LINKS}/{link['id']}", headers=acme.headers("admin"))).json()
    assert listed["revokedAt"] is not None


async def test_the_public_side_is_rate_limited_per_address(
    client: httpx.AsyncClient, acme: Tenant, settings: Settings
) -> None:
    link = await make_link(client, acme, locationId=str(acme.north.id))
    path = path_of(link["url"])
    limit = settings.http.public_rate_per_minute
    for _ in range(limit - 1):
        assert (await client.get(path)).status_code == 200
    assert (await client.post(path, json={"title": "last one"})).status_code == 201
    refused = await client.post(path, json={"title": "one too many"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert (await client.get("/public/r/unknown")).status_code == 429


async def test_the_qr_code_encodes_the_link_url(client: httpx.AsyncClient, acme: Tenant) -> None:
    link = await make_link(client, acme, locationId=str(acme.north.id))
    svg = await client.get(f"{LINKS}/{link['id']}/qr", headers=acme.headers("admin"))
    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    expected = io.BytesIO()
    segno.make(link["url"], error="m").save(expected, kind="svg", scale=8, border=2)
    assert svg.content == expected.getvalue()
    png = await client.get(
        f"{LINKS}/{link['id']}/qr", headers=acme.headers("admin"), params={"format": "png"}
    )
    assert png.content.startswith(b"\x89PNG")


async def test_a_link_needs_exactly_one_existing_target(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    asset = await make_asset(client, acme, "P-4")
    both = {"assetId": asset["id"], "locationId": str(acme.north.id)}
    for body in ({}, both, {"locationId": str(globex.north.id)}):
        response = await client.post(LINKS, headers=acme.headers("admin"), json=body)
        assert response.status_code == 422, body


async def test_only_admins_manage_links_and_other_tenants_see_404(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    link = await make_link(client, acme, locationId=str(acme.north.id))
    manager = await client.post(
        LINKS, headers=acme.headers("manager"), json={"locationId": str(acme.north.id)}
    )
    assert manager.status_code == 403
    admin = globex.headers("admin")
    for path in (f"{LINKS}/{link['id']}", f"{LINKS}/{link['id']}/qr"):
        assert (await client.get(path, headers=admin)).status_code == 404, path
    assert (await client.delete(f"{LINKS}/{link['id']}", headers=admin)).status_code == 404
    assert (await client.get(LINKS, headers=admin)).json()["items"] == []
    still = await client.get(path_of(link["url"]))
    assert still.status_code == 200
