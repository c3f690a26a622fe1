"""Every asset query on a hot path is served by an index (SPEC section 2, D3).

Plans are read as the application role with a tenant set (the API's own queries) and, for the
definer functions, as a role that bypasses RLS (how those functions run), on enough rows of two
tenants that a sequential scan would win otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.asset import listing
from maintainpro.asset.schemas import AssetFilter
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized, Principal
from maintainpro.core.db import Database
from tests.conftest import TenantFactory
from tests.factories.identity import Tenant
from tests.factories.plans import assert_indexed, literal_sql, plan_nodes

ROWS_PER_TENANT = 4000

FILL = text(
    """
    INSERT INTO assets (id, organization_id, code, name, category, status, criticality,
                        location_id, site_id, latitude, longitude, warranty_expires_on,
                        label_code, description)
    SELECT app.uuidv7(), CAST(:org AS uuid), 'A-' || i, 'Asset ' || md5(i::text),
           'cat-' || (i % 50),
           (ARRAY['active','inactive','in_maintenance','retired','disposed'])[1 + i % 5],
           (ARRAY['low','medium','high','critical'])[1 + i % 4],
           CASE WHEN i % 2 = 0 THEN CAST(:location AS uuid) END,
           CASE WHEN i % 2 = 0 THEN CAST(:site AS uuid) END,
           45 + (i % 1000) / 100.0, 5 + (i % 977) / 100.0, DATE '2026-01-01' + (i % 900),
           'L-' || i, 'pump number ' || i
    FROM generate_series(1, :rows) AS i
    """
)


@pytest.fixture
async def filled(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession], acme: Tenant, globex: Tenant
) -> Tenant:
    for tenant in (acme, globex):
        await conn.execute(
            text("SELECT set_config('app.organization_id', :o, true)"),
            {"o": str(tenant.organization_id)},
        )
        await conn.execute(
            FILL,
            {
                "org": tenant.organization_id,
                "location": tenant.north_area.id,
                "site": tenant.north.id,
                "rows": ROWS_PER_TENANT,
            },
        )
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(acme.organization_id)}
    )
    return acme


def _auth(tenant: Tenant, scope: Scope = Scope.ALL) -> Authorized:
    principal = Principal(
        tenant.users["admin"].id, tenant.organization_id, "admin", frozenset({tenant.north.id})
    )
    return Authorized(principal, scope)


FILTERS: list[dict[str, object]] = [
    {},
    {"sort": "-code"},
    {"sort": "createdAt"},
    {"status": "retired"},
    {"criticality": "critical"},
    {"category": "cat-7"},
    {"warrantyExpiringBefore": date(2026, 1, 10)},
    {"minLat": 45.1, "maxLat": 45.2, "minLng": 5.0, "maxLng": 15.0},
]


async def test_every_list_query_uses_an_index(conn: AsyncConnection, filled: Tenant) -> None:
    """One fill, every filter, sort and scope the list endpoint issues."""
    cases = [(Scope.ALL, params) for params in FILTERS] + [
        (Scope.ALL, {"parentId": filled.north.id}),
        (Scope.ALL, {"locationId": filled.north_area.id}),
        (Scope.SITE, {"status": "active"}),
    ]
    for scope, params in cases:
        statement = listing.page_statement(_auth(filled, scope), AssetFilter.model_validate(params))
        try:
            assert_indexed(await plan_nodes(conn, literal_sql(statement)), "assets")
        except AssertionError as exc:
            raise AssertionError(f"{scope} {params}: {exc}") from exc


async def test_definer_search_and_nearby_use_their_indexes(
    maint_database: Database, committed_tenant: TenantFactory
) -> None:
    """As the definer functions run: without RLS, filtering the tenant themselves. The rows are
    committed so that a second connection, as a BYPASSRLS role, can plan over them."""
    tenants = [await committed_tenant(), await committed_tenant()]
    bodies = [
        "SELECT a.id FROM assets a WHERE a.organization_id = app.current_org()"
        " AND a.deleted_at IS NULL AND a.search_vector @@ websearch_to_tsquery('simple', 'A-17')",
        "SELECT t.id FROM assets t WHERE t.organization_id = app.current_org()"
        " AND t.deleted_at IS NULL AND t.latitude IS NOT NULL"
        " ORDER BY app.geo_point(t.latitude, t.longitude) <-> app.geo_point(46.0, 6.0) LIMIT 20",
    ]
    async with maint_database.engine.connect() as conn:
        for org in tenants:
            await conn.execute(
                FILL, {"org": org, "location": None, "site": None, "rows": ROWS_PER_TENANT}
            )
        await conn.execute(text("ANALYZE assets"))
        await conn.commit()
        await conn.execute(
            text("SELECT set_config('app.organization_id', :o, false)"), {"o": str(tenants[0])}
        )
        for sql in bodies:
            assert_indexed(await plan_nodes(conn, sql), "assets")


async def test_search_joins_its_ranked_matches_through_an_index(
    conn: AsyncConnection, filled: Tenant
) -> None:
    """The ranked, scoped, keyset-paged search query, as the application role with a tenant: the
    matches come from the definer function, the rows through the primary key, never a scan."""
    for scope, params in (
        (Scope.ALL, {"q": "pump"}),
        (Scope.SITE, {"q": "pump", "status": "active"}),
    ):
        query = AssetFilter.model_validate(params)
        statement = listing.search_statement(_auth(filled, scope), query)
        nodes = await plan_nodes(conn, literal_sql(statement))
        assert any(n.get("Function Name") == "search_assets" for n in nodes), nodes
        assert_indexed(nodes, "assets")


async def test_a_term_in_every_asset_ranks_at_most_ten_thousand(
    conn: AsyncConnection, acme: Tenant
) -> None:
    """Ranked search ranks a bounded number of the caller's matches (revision 0015); below the
    bound every match is ranked (the other tests)."""
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(acme.organization_id)}
    )
    params = {"org": acme.organization_id, "location": None, "site": None, "rows": 10_050}
    await conn.execute(FILL, params)
    ranked = await conn.scalar(
        text("SELECT count(*) FROM app.search_assets('pump', NULL, NULL, NULL)")
    )
    assert ranked == 10_000
