"""Behind PgBouncer in transaction mode (D8): no errors and no tenant leaks under concurrency."""

from __future__ import annotations

import asyncio
import os
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.database import ServerTarget
from maintainpro.core.db import Database, create_database, transaction
from maintainpro.models import Location
from tests.conftest import TenantFactory, require
from tests.factories.organization import new_site

TRANSACTIONS = 400


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


async def test_no_tenant_leaks_through_transaction_pooling(
    target: ServerTarget, settings: Settings, database: Database, committed_tenant: TenantFactory
) -> None:
    url = os.environ.get("MAINTAINPRO_TEST_PGBOUNCER_URL")
    if not url:
        require("pgbouncer", "MAINTAINPRO_TEST_PGBOUNCER_URL is not set")
    bouncer = ServerTarget(make_url(url or "").set(database=target.database), embedded=False)
    pooled = settings.database.model_copy(
        # 400 transactions queue for 40 connections: on a busy CI machine the last ones wait
        # longer than the default 10 s checkout timeout, which is not what this test is about.
        update={"pgbouncer": True, "pool_size": 20, "max_overflow": 20, "pool_timeout_s": 120.0}
    )
    through_bouncer = create_database(bouncer, pooled)
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
