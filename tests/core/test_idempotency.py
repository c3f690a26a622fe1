"""Stored answers of `Idempotency-Key` creates expire: after 24 hours a key is free again, and
the hourly housekeeping job removes the old answers of every organization."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from maintainpro.auth import tasks
from maintainpro.core.db import Database
from tests.conftest import Committed
from tests.factories.identity import Tenant
from tests.factories.work_order import URL


async def test_an_expired_answer_is_pruned_and_its_key_is_free_again(
    committed: Committed, maint_database: Database
) -> None:
    tenant = await committed.make_tenant(label="idem-prune", roles=("admin",))
    headers = {**tenant.headers("admin"), "Idempotency-Key": "old-key"}
    first = await committed.client.post(URL, headers=headers, json={"title": "Once"})
    assert first.status_code == 201, first.text
    async with maint_database.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                " WHERE organization_id = :org"
            ),
            {"org": tenant.organization_id},
        )
    # Past its retention the key no longer replays, even before the job ran.
    again = await committed.client.post(URL, headers=headers, json={"title": "Once"})
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in again.headers
    async with maint_database.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                " WHERE organization_id = :org"
            ),
            {"org": tenant.organization_id},
        )
    assert await tasks.prune(committed.database) >= 1
    async with maint_database.engine.begin() as conn:
        left = await conn.scalar(
            text("SELECT count(*) FROM idempotency_keys WHERE organization_id = :org"),
            {"org": tenant.organization_id},
        )
    assert left == 0


CREATES: list[tuple[str, dict[str, object]]] = [
    ("/api/v1/assets", {"code": "IDEM-1", "name": "Pump"}),
    ("/api/v1/locations", {"code": "IDEM-L", "name": "Hall", "kind": "site"}),
    ("/api/v1/vendors", {"name": "Idem supply"}),
    ("/api/v1/contractors", {"name": "Idem crew"}),
    ("/api/v1/users", {"email": "idem@example.com", "fullName": "Idem", "role": "technician"}),
    ("/api/v1/work-orders", {"title": "Idem"}),
    ("/api/v1/teams", {"name": "Idem team"}),
]


@pytest.mark.parametrize(("url", "body"), CREATES, ids=[url for url, _ in CREATES])
async def test_every_create_honours_the_key(
    client: httpx.AsyncClient, acme: Tenant, url: str, body: dict[str, object]
) -> None:
    headers = {**acme.headers("admin"), "Idempotency-Key": f"k-{url}"}
    first = await client.post(url, headers=headers, json=body)
    assert first.status_code == 201, first.text
    again = await client.post(url, headers=headers, json=body)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    changed = await client.post(url, headers=headers, json={**body, "name": "Other"})
    assert changed.status_code == 422
    # Without a key, the same body is a second create (or a conflict on a unique field).
    plain = await client.post(url, headers=acme.headers("admin"), json=body)
    assert plain.status_code in (201, 409, 422)
    if plain.status_code == 201:
        assert plain.json()["id"] != first.json()["id"]


async def test_meters_and_downtime_honour_the_key(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await client.post(
        "/api/v1/assets", headers=acme.headers("admin"), json={"code": "IDEM-M", "name": "Press"}
    )
    asset_id = asset.json()["id"]
    for url, body in (
        ("/api/v1/meters", {"assetId": asset_id, "name": "hours", "unit": "h", "kind": "counter"}),
        (
            f"/api/v1/assets/{asset_id}/downtime",
            {"startedAt": "2026-01-01T00:00:00Z", "kind": "planned"},
        ),
    ):
        headers = {**acme.headers("admin"), "Idempotency-Key": "same"}
        first = await client.post(url, headers=headers, json=body)
        again = await client.post(url, headers=headers, json=body)
        assert (first.status_code, again.status_code) == (201, 201), first.text
        assert again.json()["id"] == first.json()["id"]
