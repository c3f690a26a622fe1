"""The inventory lists are served by indexes, as the application role with a tenant set, on
enough rows of two tenants that a sequential scan would win otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized, Principal
from maintainpro.inventory import parts, reorder, stock
from maintainpro.inventory.schemas import MovementQuery, PartQuery
from tests.factories.identity import Tenant
from tests.factories.plans import assert_indexed, literal_sql, plan_nodes, prepared_plan_nodes

ROWS = 4000

# Parts, each with a storeroom row and one receipt (the storeroom is the tenant's north site:
# the plans do not depend on its kind).
FILL = text("""
WITH made AS (
  INSERT INTO parts (id, organization_id, part_number, name, category, barcode)
  SELECT app.uuidv7(), CAST(:org AS uuid), 'P-' || i, 'Part ' || md5(i::text), 'cat-' || (i % 40),
         'B' || i
  FROM generate_series(1, :rows) AS i RETURNING id
), stocked AS (
  INSERT INTO parts_inventory (id, organization_id, part_id, storeroom_id, on_hand,
                               reorder_point)
  SELECT app.uuidv7(), CAST(:org AS uuid), id, CAST(:store AS uuid), 10, 5 FROM made
)
INSERT INTO stock_movements (id, organization_id, part_id, storeroom_id, kind, quantity,
                             unit_cost, balance_after)
SELECT app.uuidv7(), CAST(:org AS uuid), id, CAST(:store AS uuid), 'receipt', 10, 1, 10 FROM made
""")


@pytest.fixture
async def filled(conn: AsyncConnection, acme: Tenant, globex: Tenant) -> Tenant:
    for tenant in (globex, acme):
        await conn.execute(
            text("SELECT set_config('app.organization_id', :o, true)"),
            {"o": str(tenant.organization_id)},
        )
        await conn.execute(
            FILL, {"org": tenant.organization_id, "store": tenant.north.id, "rows": ROWS}
        )
    await conn.execute(text("ANALYZE parts, parts_inventory, stock_movements"))
    return acme


def _auth(tenant: Tenant, scope: Scope = Scope.ALL) -> Authorized:
    principal = Principal(
        tenant.users["admin"].id, tenant.organization_id, "admin", frozenset({tenant.north.id})
    )
    return Authorized(principal, scope)


async def test_part_lists_and_search_use_indexes(conn: AsyncConnection, filled: Tenant) -> None:
    auth = _auth(filled)
    stocked = {"storeroomId": filled.north.id}
    for params in (
        {},
        {"category": "cat-7"},
        {"barcode": "B17"},
        stocked,
        {**stocked, "belowReorderPoint": True},
        {"vendorId": filled.north.id},  # any id: the plan is what counts
    ):
        statement = parts.page_statement(auth, PartQuery.model_validate(params))
        assert_indexed(await plan_nodes(conn, literal_sql(statement)), "parts")
    searched = parts.search_statement(auth, PartQuery.model_validate({"q": "P-17"}))
    nodes = await plan_nodes(conn, literal_sql(searched))
    assert any(n.get("Function Name") == "search_parts" for n in nodes), nodes
    assert_indexed(nodes, "parts")


@pytest.mark.parametrize("scope", [Scope.ALL, Scope.SITE])
async def test_a_part_s_stock_is_read_by_keys(
    conn: AsyncConnection, filled: Tenant, scope: Scope
) -> None:
    part_id = (
        await conn.execute(
            text("SELECT id FROM parts WHERE organization_id = :o LIMIT 1"),
            {"o": filled.organization_id},
        )
    ).scalar_one()
    params = {"org": filled.organization_id, "id": part_id, "sites": [filled.north.id]}
    nodes = await prepared_plan_nodes(conn, stock.OF_PART[scope is Scope.SITE], params)
    assert_indexed(nodes, "parts")
    assert_indexed(nodes, "parts_inventory")


async def test_movement_lists_use_indexes(conn: AsyncConnection, filled: Tenant) -> None:
    part_id = await conn.scalar(text("SELECT id FROM parts WHERE part_number = 'P-17'"))
    for scope, params in (
        (Scope.ALL, {}),
        (Scope.ALL, {"partId": part_id}),
        (Scope.ALL, {"partId": part_id, "storeroomId": filled.north.id}),
        (Scope.SITE, {"partId": part_id}),
        (Scope.ALL, {"workOrderId": part_id}),  # any id: the plan is what counts
    ):
        statement = stock.movements_statement(
            _auth(filled, scope), MovementQuery.model_validate(params)
        )
        try:
            assert_indexed(await plan_nodes(conn, literal_sql(statement)), "stock_movements")
        except AssertionError as exc:
            raise AssertionError(f"{scope} {params}: {exc}") from exc


async def test_reorder_proposals_read_the_low_rows_through_their_index(
    conn: AsyncConnection, filled: Tenant
) -> None:
    await conn.execute(
        text(
            "UPDATE parts_inventory SET on_hand = 1 WHERE part_id IN"
            " (SELECT id FROM parts WHERE part_number IN ('P-17', 'P-18'))"
        )
    )
    await conn.execute(text("ANALYZE parts_inventory"))
    params = {"org": filled.organization_id, "sites": None}
    nodes = await plan_nodes(conn, str(reorder.PROPOSALS), params)
    assert_indexed(nodes, "parts_inventory")
    assert_indexed(nodes, "purchase_order_lines")
    assert any(n.get("Index Name") == "ix_parts_inventory_organization_id_low" for n in nodes), (
        nodes
    )
