"""Behind PgBouncer in transaction mode (D8): no errors and no tenant leaks under concurrency,
for the database layer and for the API's work-order day."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from uuid import UUID

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.database import ServerTarget
from maintainpro.core.db import Database, create_database, transaction
from maintainpro.models import Location
from tests.conftest import TenantFactory, require
from tests.factories.identity import Tenant, make_tenant
from tests.factories.organization import new_site
from tests.factories.work_order import URL, make_asset, make_work_order

TRANSACTIONS = 400
ROLES = ("admin", "technician")


async def _add_location(database: Database, org_id: UUID) -> None:
    with context.scoped(organization_id=org_id):
        async with transaction(database.sessions) as session:
            session.add(new_site(org_id, "S"))


async def _observe(database: Database, org_id: UUID | None) -> bool:
    """True when the transaction sees exactly its own tenant (or nothing without one)."""
    with context.scoped(organization_id=org_id):
        async with transaction(database.sessions) as session:
            current = await session.scalar(text("SELECT app.current_org()"))
            owners = set((await session.scalars(select(Location.organization_id))).all())
    return current == org_id and owners == ({org_id} if org_id else set())


def _bouncer(target: ServerTarget, settings: Settings) -> Database:
    url = os.environ.get("MAINTAINPRO_TEST_PGBOUNCER_URL")
    if not url:
        require("pgbouncer", "MAINTAINPRO_TEST_PGBOUNCER_URL is not set")
    bouncer = ServerTarget(make_url(url or "").set(database=target.database), embedded=False)
    pooled = settings.database.model_copy(
        # 400 transactions queue for 40 connections: on a busy CI machine the last ones wait
        # longer than the default 10 s checkout timeout, which is not what this test is about.
        update={"pgbouncer": True, "pool_size": 20, "max_overflow": 20, "pool_timeout_s": 120.0}
    )
    return create_database(bouncer, pooled)


@pytest.fixture
async def bouncer_client(
    target: ServerTarget, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The API over PgBouncer in transaction mode, as a production deployment runs it."""
    through_bouncer = _bouncer(target, settings)
    app = create_app(settings, database=through_bouncer)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await through_bouncer.dispose()


async def _work_order_day(client: httpx.AsyncClient, tenant: Tenant) -> str:
    """Create, read, list, assign, start, search and read the asset's history: every answer
    names the caller's own tenant only."""
    admin = tenant.headers("admin")
    asset = await make_asset(client, tenant, "PUMP-1")
    work = await make_work_order(client, tenant, assetIds=[asset["id"]], title="Seal leak pump")
    path = f"{URL}/{work['id']}"
    technician = str(tenant.users["technician"].id)
    assigned = await client.post(
        f"{URL}/bulk/assign", headers=admin, json={"ids": [work["id"]], "assigneeIds": [technician]}
    )
    assert [i["status"] for i in assigned.json()["items"]] == [200], assigned.text
    started = await client.post(
        f"{path}/transitions", headers=tenant.headers("technician"), json={"to": "in_progress"}
    )
    assert started.status_code == 200, started.text
    for read in (path, f"{URL}?limit=50", f"{URL}?q=seal", f"/api/v1/assets/{asset['id']}/history"):
        response = await client.get(read, headers=admin)
        assert response.status_code == 200, (read, response.text)
        body = response.json()
        rows = body.get("items", [body])
        assert rows, read
        orgs = {
            r.get("organizationId") or (r.get("workOrder") or {}).get("organizationId")
            for r in rows
        }
        assert orgs <= {str(tenant.organization_id), None}, (read, orgs)
    return str(work["id"])


async def test_the_api_works_through_transaction_pooling(
    bouncer_client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    """Two tenants' work-order days at once through PgBouncer; each then cannot see the
    other's work order."""
    tenants = [
        await make_tenant(database.sessions, settings.auth, label=label, roles=ROLES)
        for label in ("bouncer-a", "bouncer-b")
    ]
    ids = await asyncio.gather(*(_work_order_day(bouncer_client, t) for t in tenants))
    for tenant, other in zip(tenants, reversed(ids), strict=True):
        response = await bouncer_client.get(f"{URL}/{other}", headers=tenant.headers("admin"))
        assert response.status_code == 404, response.text


async def test_no_tenant_leaks_through_transaction_pooling(
    target: ServerTarget, settings: Settings, database: Database, committed_tenant: TenantFactory
) -> None:
    through_bouncer = _bouncer(target, settings)
    tenants = [await committed_tenant(), await committed_tenant()]
    for org_id in tenants:
        await _add_location(database, org_id)
    try:
        choices: list[UUID | None] = [tenants[0], tenants[1], None]
        results = await asyncio.gather(
            *(_observe(through_bouncer, choices[i % 3]) for i in range(TRANSACTIONS)),
            return_exceptions=True,
        )
    finally:
        await through_bouncer.dispose()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert results.count(True) == TRANSACTIONS
