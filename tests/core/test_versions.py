"""Every UPDATE that modifies a row changes its version (and so its ETag), bulk SQL included; the
audit trail records the time of each change, not of the transaction start."""

from __future__ import annotations

from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories.identity import Tenant

VERSIONED_WITHOUT_TRIGGER = text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'version' AND NOT a.attisdropped"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    " AND c.relname NOT LIKE 'procrastinate%' AND NOT EXISTS (SELECT 1 FROM pg_trigger t"
    " WHERE t.tgrelid = c.oid AND t.tgname = 'bump_version')"
)


async def _set_tenant(conn: AsyncConnection, org: UUID) -> None:
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"), {"org": str(org)}
    )


async def _asset(client: httpx.AsyncClient, tenant: Tenant, code: str) -> str:
    response = await client.post(
        "/api/v1/assets", headers=tenant.headers("admin"), json={"code": code, "name": code}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _etag(client: httpx.AsyncClient, tenant: Tenant, asset_id: str) -> str:
    response = await client.get(f"/api/v1/assets/{asset_id}", headers=tenant.headers("admin"))
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def test_every_versioned_table_bumps_on_bulk_updates(conn: AsyncConnection) -> None:
    assert (await conn.execute(VERSIONED_WITHOUT_TRIGGER)).scalars().all() == []


async def test_a_bulk_update_changes_the_etag_of_every_row_it_modifies(
    client: httpx.AsyncClient, conn: AsyncConnection, acme: Tenant
) -> None:
    ids = [await _asset(client, acme, code) for code in ("B1", "B2")]
    untouched = await _asset(client, acme, "B3")
    assert [await _etag(client, acme, i) for i in (*ids, untouched)] == ['W/"1"'] * 3
    await _set_tenant(conn, acme.organization_id)
    result = await conn.execute(
        text("UPDATE assets SET name = name || ' (moved)' WHERE id = ANY(CAST(:ids AS uuid[]))"),
        {"ids": ids},
    )
    assert result.rowcount == 2
    assert [await _etag(client, acme, i) for i in ids] == ['W/"2"'] * 2
    assert await _etag(client, acme, untouched) == 'W/"1"'


async def test_an_orm_update_still_bumps_once(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset_id = await _asset(client, acme, "O1")
    response = await client.patch(
        f"/api/v1/assets/{asset_id}",
        headers={**acme.headers("admin"), "If-Match": 'W/"1"'},
        json={"name": "Renamed"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == 'W/"2"'
    assert await _etag(client, acme, asset_id) == 'W/"2"'


async def test_an_update_that_changes_nothing_keeps_the_version(
    client: httpx.AsyncClient, conn: AsyncConnection, acme: Tenant
) -> None:
    asset_id = await _asset(client, acme, "N1")
    await _set_tenant(conn, acme.organization_id)
    await conn.execute(text("UPDATE assets SET name = name WHERE id = :id"), {"id": asset_id})
    assert await _etag(client, acme, asset_id) == 'W/"1"'


async def test_two_changes_in_one_transaction_get_distinct_ordered_times(
    client: httpx.AsyncClient, conn: AsyncConnection, acme: Tenant
) -> None:
    asset_id = await _asset(client, acme, "T1")
    await _set_tenant(conn, acme.organization_id)
    for name in ("first", "second"):
        await conn.execute(text("SELECT pg_sleep(0.002)"))
        await conn.execute(
            text("UPDATE assets SET name = :name WHERE id = :id"), {"name": name, "id": asset_id}
        )
    rows = await conn.execute(
        text(
            "SELECT occurred_at, after ->> 'name', occurred_at > now() FROM activity_logs"
            " WHERE entity_id = :id AND action = 'update' ORDER BY id"
        ),
        {"id": asset_id},
    )
    (first_at, first, after_start_1), (second_at, second, after_start_2) = rows.all()
    assert (first, second) == ("first", "second")
    assert first_at < second_at
    assert (after_start_1, after_start_2) == (True, True)
