"""Vendor and contractor lists are served by an index (SPEC section 2, D3)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized, Principal
from maintainpro.vendor.schemas import PartnerFilter
from maintainpro.vendor.service import CONTRACTORS, VENDORS, Kind, page_statement
from tests.factories.identity import Tenant
from tests.factories.plans import assert_indexed, literal_sql, plan_nodes

ROWS = 4000


async def _fill(conn: AsyncConnection, tenant: Tenant, table: str) -> None:
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"),
        {"o": str(tenant.organization_id)},
    )
    await conn.execute(
        text(
            f"INSERT INTO {table} (id, organization_id, name, status)"
            " SELECT app.uuidv7(), CAST(:org AS uuid), 'Partner ' || md5(i::text),"
            " (ARRAY['active','inactive','blocked'])[1 + i % 3] FROM generate_series(1, :rows) i"
        ),
        {"org": tenant.organization_id, "rows": ROWS},
    )


@pytest.mark.parametrize("kind", [VENDORS, CONTRACTORS], ids=["vendors", "contractors"])
async def test_default_sort_and_status_filter_use_an_index(
    conn: AsyncConnection, acme: Tenant, globex: Tenant, kind: Kind[object]
) -> None:
    table = kind.model.__tablename__
    for tenant in (globex, acme):
        await _fill(conn, tenant, table)
    auth = Authorized(
        Principal(acme.users["admin"].id, acme.organization_id, "admin", frozenset()), Scope.ALL
    )
    for params in ({}, {"status": "blocked"}):
        statement = page_statement(auth, kind, PartnerFilter.model_validate(params), tag=None)
        assert_indexed(await plan_nodes(conn, literal_sql(statement)), table)
