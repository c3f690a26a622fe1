"""Photos on a request filed through a link: images only, on a request of that link, within
the hour and before it is decided, at most five; carried to the work order on approval."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core.db import Database
from maintainpro.request.service import PUBLIC_PHOTOS
from tests.attachment.test_routes import PDF, listed_of, png
from tests.conftest import Committed
from tests.factories.identity import Tenant
from tests.request.test_links import make_link, path_of


async def _send(client: httpx.AsyncClient, url: str, data: bytes, name: str) -> httpx.Response:
    return await client.post(url, files={"file": (name, data, None)})


async def test_a_public_request_takes_a_few_photos_that_reach_its_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    link = path_of((await make_link(client, acme, locationId=str(acme.north.id)))["url"])
    filed = (await client.post(link, json={"title": "Leak", "name": "Visitor"})).json()
    photos = f"{link}/requests/{filed['id']}/photos"
    sent = await _send(client, photos, png(), "leak.png")
    assert sent.status_code == 201, sent.text
    assert set(sent.json()) == {"id", "fileName", "contentType", "sizeBytes"}
    assert (sent.json()["fileName"], sent.json()["contentType"]) == ("leak.png", "image/png")
    assert (await _send(client, photos, PDF, "leak.pdf")).status_code == 415
    other = path_of((await make_link(client, acme, locationId=str(acme.north.id)))["url"])
    elsewhere = await _send(client, f"{other}/requests/{filed['id']}/photos", png(), "a.png")
    assert elsewhere.status_code == 404  # filed through another link
    unknown = await _send(client, f"{link}/requests/{uuid4()}/photos", png(), "a.png")
    assert unknown.status_code == 404
    for _ in range(PUBLIC_PHOTOS - 1):
        assert (await _send(client, photos, png(), "more.png")).status_code == 201
    full = await _send(client, photos, png(), "one-too-many.png")
    assert (full.status_code, full.json()["code"]) == (409, "invalid_state")
    stored = await listed_of(client, acme, "request", filed["id"], "supervisor")
    assert len(stored.json()["items"]) == PUBLIC_PHOTOS
    approved = await client.post(
        f"/api/v1/requests/{filed['id']}/approve", headers=acme.headers("supervisor")
    )
    work_order_id = approved.json()["workOrderId"]
    carried = await listed_of(client, acme, "work_order", work_order_id, "supervisor")
    names = sorted(item["fileName"] for item in carried.json()["items"])
    assert names == ["leak.png"] + ["more.png"] * (PUBLIC_PHOTOS - 1)


async def test_photos_stop_once_decided_or_after_the_hour(
    client: httpx.AsyncClient, acme: Tenant, conn: AsyncConnection
) -> None:
    link = path_of((await make_link(client, acme, locationId=str(acme.north.id)))["url"])
    late, decided = [(await client.post(link, json={"title": t})).json() for t in ("a", "b")]
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"),
        {"org": str(acme.organization_id)},
    )
    await conn.execute(
        text(
            "UPDATE maintenance_requests SET created_at = created_at - CAST(:age AS interval)"
            " WHERE id = :id"
        ),
        {"age": timedelta(hours=1, minutes=1), "id": late["id"]},
    )
    rejected = await client.post(
        f"/api/v1/requests/{decided['id']}/reject",
        headers=acme.headers("supervisor"),
        json={"reason": "duplicate"},
    )
    assert rejected.status_code == 200, rejected.text
    for request in (late, decided):
        refused = await _send(client, f"{link}/requests/{request['id']}/photos", png(), "p.png")
        assert refused.status_code == 409, refused.text


async def test_concurrent_uploads_stop_at_the_limit(
    committed: Committed, settings: Settings, database: Database, tmp_path: Path
) -> None:
    """Seven uploads at once, each on its own connection with committed data: the request row
    lock lets exactly five through."""
    tenant = await committed.make_tenant(label="photos", roles=("admin",))
    http = committed.client
    link = path_of((await make_link(http, tenant, locationId=str(tenant.north.id)))["url"])
    filed = (await http.post(link, json={"title": "Leak"})).json()
    storage = settings.attachments.model_copy(update={"directory": tmp_path})
    app = create_app(settings.model_copy(update={"attachments": storage}), database=database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as uploads:
        answers = await asyncio.gather(
            *(
                _send(uploads, f"{link}/requests/{filed['id']}/photos", png(), f"p{n}.png")
                for n in range(PUBLIC_PHOTOS + 2)
            )
        )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201] * PUBLIC_PHOTOS + [409, 409], [a.text for a in answers]
    stored = await listed_of(http, tenant, "request", filed["id"], "admin")
    assert len(stored.json()["items"]) == PUBLIC_PHOTOS
