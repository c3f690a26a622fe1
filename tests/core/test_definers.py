"""Every SECURITY DEFINER function, executed as the application role with and without a tenant
(D3, D4): none returns anything of a tenant other than the one set.

The functions are discovered from `pg_proc`, so a new one fails here until it has a row in
`SAMPLES`: the call, with arguments that match the sample data of both tenants.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories.identity import Tenant

POINT = {"lat": 52.52, "lng": 13.405}

# name -> the call (`:lat`, `:lng` and `:email`, the other tenant's admin, are bound).
SAMPLES: dict[str, str] = {
    "search_assets": "app.search_assets('kestrel', NULL, NULL, NULL)",
    "nearby_assets": "app.nearby_assets(:lat, :lng, 10000, 50, NULL)",
    "nearby_vendors": "app.nearby_vendors(:lat, :lng, 10000, 50)",
    "nearby_contractors": "app.nearby_contractors(:lat, :lng, 10000, 50)",
    "auth_resolve_login": "app.auth_resolve_login(:email)",
    "organizations_with_pending_outbox": "app.organizations_with_pending_outbox()",
    "organizations_with_expired_credentials": (
        "app.organizations_with_expired_credentials(now() + interval '1 year')"
    ),
    "ensure_monthly_partitions": "app.ensure_monthly_partitions('meter_readings', 1, 0)",
    "ensure_partition_for": "app.ensure_partition_for('meter_readings', now())",
    "ensure_quarterly_partitions": "app.ensure_quarterly_partitions('work_orders', 1, 0)",
    "search_work_orders": "app.search_work_orders('kestrel', NULL, NULL, NULL)",
    "search_comments": "app.search_comments('kestrel', NULL, NULL, NULL)",
    "prune_idempotency_keys": "app.prune_idempotency_keys(now() - interval '1 day')",
    "take_numbers": "app.take_numbers('work_order', 1)",
    "search_parts": "app.search_parts('kestrel', NULL, NULL)",
    "organizations_with_stock": "app.organizations_with_stock()",
    "organizations_with_due_pm": "app.organizations_with_due_pm()",
    "organizations_to_escalate": "app.organizations_to_escalate()",
}

# Functions that answer with a value of the caller's tenant, no row of any table: one row with
# a tenant, none without.
TENANT_VALUES = {"take_numbers": "the next number of the caller's organization"}

# The D4 exceptions: work before the tenant is known. They may answer without a tenant and
# across tenants, but with organization ids (or a count) only, never a row of a tenant.
CROSS_TENANT = {
    "auth_resolve_login": "login knows only an email: its organization, nothing else",
    "organizations_with_pending_outbox": "the relay lists organizations with due work",
    "organizations_with_expired_credentials": "the prune job lists organizations to clean",
    "ensure_monthly_partitions": "partition DDL: returns how many were created",
    "ensure_partition_for": "partition DDL: returns nothing",
    "ensure_quarterly_partitions": "partition DDL: returns how many were created",
    "prune_idempotency_keys": "housekeeping: returns how many expired keys it removed",
    "organizations_with_stock": "the ledger check lists organizations to check",
    "organizations_with_due_pm": "the PM scheduler lists organizations with work due",
    "organizations_to_escalate": "the escalation scan lists organizations with rules or late work",
}

# Trigger functions cannot be called; their effect is tested where they act.
DEFINERS = text(
    "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    " WHERE n.nspname = 'app' AND p.prosecdef"
    " AND p.prorettype <> CAST('trigger' AS regtype) ORDER BY 1"
)


@dataclass
class World:
    organization_id: UUID
    email: str
    row_ids: set[UUID]

    @property
    def ids(self) -> set[UUID]:
        return {self.organization_id, *self.row_ids}


async def _post(
    client: httpx.AsyncClient, tenant: Tenant, url: str, body: dict[str, object]
) -> UUID:
    response = await client.post(url, headers=tenant.headers("admin"), json=body)
    assert response.status_code == 201, response.text
    return UUID(response.json()["id"])


async def _world(client: httpx.AsyncClient, conn: AsyncConnection, tenant: Tenant) -> World:
    """One asset, vendor, contractor, work order and comment that every sample call matches,
    and a pending event."""
    here = {"latitude": POINT["lat"], "longitude": POINT["lng"]}
    rows = {
        await _post(
            client, tenant, "/api/v1/assets", {"code": "K1", "name": "Kestrel pump", **here}
        ),
        await _post(client, tenant, "/api/v1/vendors", {"name": "Kestrel supply", **here}),
        await _post(client, tenant, "/api/v1/contractors", {"name": "Kestrel crew", **here}),
        await _post(client, tenant, "/api/v1/parts", {"partNumber": "K1", "name": "Kestrel seal"}),
    }
    work_order = await _post(client, tenant, "/api/v1/work-orders", {"title": "Kestrel pump leaks"})
    comment = await _post(
        client, tenant, f"/api/v1/work-orders/{work_order}/comments", {"body": "Kestrel seal worn"}
    )
    rows |= {work_order, comment}
    await _set_tenant(conn, tenant.organization_id)
    await conn.execute(
        text(
            "INSERT INTO outbox (id, organization_id, event_type, entity_type, entity_id)"
            " VALUES (app.uuidv7(), :org, 'test.happened', 'assets', :org)"
        ),
        {"org": tenant.organization_id},
    )
    users = {user.id for user in tenant.users.values()}
    return World(tenant.organization_id, tenant.users["admin"].email, rows | users)


async def _set_tenant(conn: AsyncConnection, org: UUID | None) -> None:
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"), {"org": str(org or "")}
    )


async def _call(
    conn: AsyncConnection, name: str, tenant: UUID | None, email: str
) -> tuple[int, set[UUID]]:
    """Runs the sample call under `tenant`: the row count and every uuid in the result."""
    await _set_tenant(conn, tenant)
    async with conn.begin_nested():
        result = await conn.execute(
            text(f"SELECT * FROM {SAMPLES[name]}"), {**POINT, "email": email}
        )
        rows = result.all()
    return len(rows), {value for row in rows for value in row if isinstance(value, UUID)}


@pytest.fixture
async def worlds(
    client: httpx.AsyncClient, conn: AsyncConnection, acme: Tenant, globex: Tenant
) -> tuple[World, World]:
    return await _world(client, conn, acme), await _world(client, conn, globex)


async def test_every_definer_function_has_a_sample_call(conn: AsyncConnection) -> None:
    found = set((await conn.execute(DEFINERS)).scalars())
    assert found >= {"search_assets", "auth_resolve_login"}
    assert sorted(found - SAMPLES.keys()) == []


async def test_definer_functions_return_nothing_of_another_tenant(
    conn: AsyncConnection, worlds: tuple[World, World]
) -> None:
    a, b = worlds
    for name in (await conn.execute(DEFINERS)).scalars():
        for tenant, other in ((a, b), (b, a)):
            count, seen = await _call(conn, name, tenant.organization_id, other.email)
            if name in CROSS_TENANT:
                assert seen <= {a.organization_id, b.organization_id}, name
                continue
            if name in TENANT_VALUES:
                assert (count, seen) == (1, set()), name
                continue
            assert count > 0, f"{name}: the sample call matches nothing of its own tenant"
            assert seen <= tenant.ids, f"{name} returned rows of another tenant"
            assert seen & tenant.row_ids, name


async def test_definer_functions_without_a_tenant_return_no_rows(
    conn: AsyncConnection, worlds: tuple[World, World]
) -> None:
    a, b = worlds
    for name in (await conn.execute(DEFINERS)).scalars():
        count, seen = await _call(conn, name, None, b.email)
        if name in CROSS_TENANT:
            assert not seen & (a.row_ids | b.row_ids), f"{name} returned a tenant's row"
            continue
        assert (count, seen) == (0, set()), f"{name} answered without a tenant"


async def test_the_cross_tenant_exceptions_answer_with_organization_ids_only(
    conn: AsyncConnection, worlds: tuple[World, World]
) -> None:
    """What D4 allows, explicitly: the login resolver and the relay's listing."""
    a, b = worlds
    assert await _call(conn, "auth_resolve_login", None, b.email) == (1, {b.organization_id})
    _, pending = await _call(conn, "organizations_with_pending_outbox", None, "")
    assert pending >= {a.organization_id, b.organization_id}


async def test_a_temporary_table_cannot_shadow_what_a_definer_function_reads(
    conn: AsyncConnection, worlds: tuple[World, World]
) -> None:
    """pg_temp is searched first unless named last: an app-role session could otherwise plant a
    `users` or `outbox` of its own and steer what the BYPASSRLS definer answers."""
    _, b = worlds
    planted = UUID(int=7)
    await conn.execute(
        text(
            "CREATE TEMPORARY TABLE users"
            " (organization_id uuid, email text, deleted_at timestamptz)"
        )
    )
    await conn.execute(
        text("CREATE TEMPORARY TABLE outbox (organization_id uuid, published_at timestamptz)")
    )
    await conn.execute(
        text("INSERT INTO pg_temp.users VALUES (:org, 'planted@example.com', NULL)"),
        {"org": planted},
    )
    await conn.execute(text("INSERT INTO pg_temp.outbox VALUES (:org, NULL)"), {"org": planted})
    assert await _call(conn, "auth_resolve_login", None, "planted@example.com") == (1, set())
    assert await _call(conn, "auth_resolve_login", None, b.email) == (1, {b.organization_id})
    _, pending = await _call(conn, "organizations_with_pending_outbox", None, "")
    assert planted not in pending
