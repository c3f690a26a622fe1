"""inventory: the parts catalogue, stock per storeroom (`parts_inventory`), the append-only
ledger (`stock_movements`), parts on work orders (`work_order_parts_used`), vendor parts and
the spare parts of assets; RLS, grants, audit, `app.search_parts`

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import (
    DEFINER_SEARCH_PATH,
    bump_version,
    definer_function,
    enable_rls,
    grant,
    run_sql,
    tenant_table,
)

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


QUANTITY = sa.Numeric(precision=14, scale=3)
UNIT_COST = sa.Numeric(precision=14, scale=4)
MONEY = sa.Numeric(precision=14, scale=2)
PART_SEARCH = (
    "setweight(to_tsvector('simple', coalesce(part_number, '') || ' '"
    " || coalesce(name, '') || ' ' || coalesce(barcode, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(category, '') || ' '"
    " || coalesce(manufacturer, '') || ' ' || coalesce(manufacturer_part_number, '')),"
    " 'B') || setweight(to_tsvector('english', coalesce(description, '')), 'C')"
)
QUANTITY_SIGN = (
    "(kind IN ('receipt', 'return', 'transfer_in') AND quantity > 0)"
    " OR (kind IN ('issue', 'transfer_out') AND quantity < 0)"
    " OR kind IN ('adjustment', 'count')"
)
MOVEMENT_KINDS = (
    "('receipt', 'issue', 'return', 'adjustment', 'transfer_out', 'transfer_in', 'count')"
)


def _audited(*, deleted: bool = True, versioned: bool = True) -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
    ]
    if deleted:
        columns.append(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    if versioned:
        columns.append(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    return columns


def _tenant(table: str, *references: tuple[str, str, str | None]) -> list[Any]:
    """The id and organization columns, their keys (D5) and the two-column tenant foreign
    keys `(column, target table, ON DELETE)`."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f(f"fk_{table}_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("organization_id", "id", name=op.f(f"uq_{table}_organization_id_id")),
        *(
            sa.ForeignKeyConstraint(
                ["organization_id", column],
                [f"{target}.organization_id", f"{target}.id"],
                name=op.f(f"fk_{table}_organization_id_{column}_{target}"),
                ondelete=ondelete,
            )
            for column, target, ondelete in references
        ),
    ]


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _index(
    name: str, table: str, columns: list[str], *, unique: bool = False, where: str | None = None
) -> None:
    op.create_index(
        name,
        table,
        columns,
        unique=unique,
        postgresql_where=sa.text(where) if where else None,
    )


def _parts() -> None:
    op.create_table(
        "parts",
        *_tenant("parts"),
        sa.Column("part_number", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("unit", sa.String(length=16), server_default="each", nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("manufacturer_part_number", sa.String(length=100), nullable=True),
        sa.Column("barcode", sa.String(length=128), nullable=True),
        sa.Column("criticality", sa.String(length=16), server_default="medium", nullable=False),
        sa.Column("default_unit_cost", UNIT_COST, server_default="0", nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(PART_SEARCH, persisted=True),
            nullable=False,
        ),
        *_audited(),
        _check("parts", "criticality", "criticality IN ('low', 'medium', 'high', 'critical')"),
        _check("parts", "default_unit_cost_positive", "default_unit_cost >= 0"),
    )
    live = "deleted_at IS NULL"
    _index(
        "ix_parts_organization_id_barcode",
        "parts",
        ["organization_id", "barcode"],
        where=f"barcode IS NOT NULL AND {live}",
    )
    _index(
        "ix_parts_organization_id_category",
        "parts",
        ["organization_id", "category", "id"],
        where=live,
    )
    _index("ix_parts_organization_id_name", "parts", ["organization_id", "name", "id"], where=live)
    op.create_index(
        "ix_parts_organization_id_search",
        "parts",
        ["organization_id", "search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    _index(
        "uq_parts_organization_id_part_number_live",
        "parts",
        ["organization_id", "part_number"],
        unique=True,
        where=live,
    )


def _stock() -> None:
    table = "parts_inventory"
    op.create_table(
        table,
        *_tenant(table, ("part_id", "parts", "CASCADE"), ("storeroom_id", "locations", None)),
        sa.Column("part_id", sa.Uuid(), nullable=False),
        sa.Column("storeroom_id", sa.Uuid(), nullable=False),
        sa.Column("bin", sa.String(length=64), nullable=True),
        sa.Column("on_hand", QUANTITY, server_default="0", nullable=False),
        sa.Column("reserved", QUANTITY, server_default="0", nullable=False),
        sa.Column("min_quantity", QUANTITY, nullable=True),
        sa.Column("reorder_point", QUANTITY, nullable=True),
        sa.Column("max_quantity", QUANTITY, nullable=True),
        sa.Column("average_unit_cost", UNIT_COST, server_default="0", nullable=False),
        *_audited(deleted=False),
        _check(table, "average_unit_cost_positive", "average_unit_cost >= 0"),
        _check(
            table,
            "max_at_least_reorder_point",
            "max_quantity IS NULL OR reorder_point IS NULL OR max_quantity >= reorder_point",
        ),
        _check(table, "min_quantity_not_negative", "min_quantity IS NULL OR min_quantity >= 0"),
        _check(table, "on_hand_not_negative", "on_hand >= 0"),
        _check(table, "reorder_point_not_negative", "reorder_point IS NULL OR reorder_point >= 0"),
        _check(table, "reserved_within_on_hand", "reserved >= 0 AND reserved <= on_hand"),
    )
    _index(
        "ix_parts_inventory_organization_id_low",
        table,
        ["organization_id", "storeroom_id", "part_id"],
        where="on_hand - reserved <= reorder_point",
    )
    _index(
        "ix_parts_inventory_organization_id_storeroom_id",
        table,
        ["organization_id", "storeroom_id", "part_id"],
    )
    _index(
        "uq_parts_inventory_organization_id_part_id_storeroom_id",
        table,
        ["organization_id", "part_id", "storeroom_id"],
        unique=True,
    )


def _vendor_and_asset_parts() -> None:
    table = "vendor_parts"
    op.create_table(
        table,
        *_tenant(table, ("part_id", "parts", "CASCADE"), ("vendor_id", "vendors", "CASCADE")),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("part_id", sa.Uuid(), nullable=False),
        sa.Column("vendor_part_number", sa.String(length=100), nullable=True),
        sa.Column("price", UNIT_COST, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
        sa.Column("minimum_order_quantity", QUANTITY, nullable=True),
        sa.Column("preferred", sa.Boolean(), server_default="false", nullable=False),
        *_audited(deleted=False),
        _check(table, "currency_code", "currency ~ '^[A-Z]{3}$'"),
        _check(table, "lead_time", "lead_time_days IS NULL OR lead_time_days >= 0"),
        _check(
            table,
            "minimum_order_quantity_positive",
            "minimum_order_quantity IS NULL OR minimum_order_quantity > 0",
        ),
        _check(table, "price_positive", "price >= 0"),
    )
    _index(
        "ix_vendor_parts_organization_id_vendor_id", table, ["organization_id", "vendor_id", "id"]
    )
    _index(
        "uq_vendor_parts_organization_id_part_id_preferred",
        table,
        ["organization_id", "part_id"],
        unique=True,
        where="preferred",
    )
    _index(
        "uq_vendor_parts_organization_id_part_id_vendor_id",
        table,
        ["organization_id", "part_id", "vendor_id"],
        unique=True,
    )
    table = "asset_parts"
    op.create_table(
        table,
        *_tenant(table, ("asset_id", "assets", "CASCADE"), ("part_id", "parts", "CASCADE")),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("part_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", QUANTITY, server_default="1", nullable=False),
        *_audited(deleted=False, versioned=False),
        _check(table, "quantity_positive", "quantity > 0"),
    )
    _index("ix_asset_parts_organization_id_part_id", table, ["organization_id", "part_id"])
    _index(
        "uq_asset_parts_organization_id_asset_id_part_id",
        table,
        ["organization_id", "asset_id", "part_id"],
        unique=True,
    )


def _usage() -> None:
    table = "work_order_parts_used"
    op.create_table(
        table,
        *_tenant(
            table,
            ("part_id", "parts", None),
            ("storeroom_id", "locations", None),
            ("work_order_id", "work_orders", "CASCADE"),
        ),
        sa.Column("work_order_id", sa.Uuid(), nullable=False),
        sa.Column("part_id", sa.Uuid(), nullable=False),
        sa.Column("storeroom_id", sa.Uuid(), nullable=False),
        sa.Column("planned_quantity", QUANTITY, server_default="0", nullable=False),
        sa.Column("reserved_quantity", QUANTITY, server_default="0", nullable=False),
        sa.Column("issued_quantity", QUANTITY, server_default="0", nullable=False),
        sa.Column("returned_quantity", QUANTITY, server_default="0", nullable=False),
        sa.Column("cost", MONEY, server_default="0", nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=True),
        sa.Column("planned", sa.Boolean(), server_default="false", nullable=False),
        *_audited(deleted=False),
        _check(table, "cost_not_negative", "cost >= 0"),
        _check(table, "issued_not_negative", "issued_quantity >= 0"),
        _check(table, "planned_not_negative", "planned_quantity >= 0"),
        _check(table, "reserved_not_negative", "reserved_quantity >= 0"),
        _check(
            table,
            "returned_within_issued",
            "returned_quantity >= 0 AND returned_quantity <= issued_quantity",
        ),
    )
    _index(
        "ix_work_order_parts_used_organization_id_part_id",
        table,
        ["organization_id", "part_id", "storeroom_id"],
        where="reserved_quantity > 0",
    )
    _index(
        "ix_work_order_parts_used_organization_id_work_order_id",
        table,
        ["organization_id", "work_order_id", "id"],
    )


def _movements() -> None:
    table = "stock_movements"
    op.create_table(
        table,
        *_tenant(
            table,
            ("part_id", "parts", None),
            ("reverses_id", "stock_movements", None),
            ("storeroom_id", "locations", None),
            ("usage_id", "work_order_parts_used", None),
            ("work_order_id", "work_orders", None),
        ),
        sa.Column("part_id", sa.Uuid(), nullable=False),
        sa.Column("storeroom_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("unit_cost", UNIT_COST, nullable=False),
        sa.Column("balance_after", QUANTITY, nullable=False),
        sa.Column("work_order_id", sa.Uuid(), nullable=True),
        sa.Column("usage_id", sa.Uuid(), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        _check(table, "kind", f"kind IN {MOVEMENT_KINDS}"),
        _check(table, "quantity_not_zero", "quantity <> 0 OR kind = 'count'"),
        _check(table, "quantity_sign", QUANTITY_SIGN),
        _check(table, "unit_cost_positive", "unit_cost >= 0"),
    )
    _index(
        "ix_stock_movements_organization_id_part_id",
        table,
        ["organization_id", "part_id", "storeroom_id", "id"],
    )
    _index(
        "ix_stock_movements_organization_id_usage_id",
        table,
        ["organization_id", "usage_id"],
        where="usage_id IS NOT NULL",
    )
    _index(
        "ix_stock_movements_organization_id_work_order_id",
        table,
        ["organization_id", "work_order_id", "id"],
        where="work_order_id IS NOT NULL",
    )
    _index(
        "uq_stock_movements_organization_id_reverses_id",
        table,
        ["organization_id", "reverses_id"],
        unique=True,
        where="reverses_id IS NOT NULL",
    )


def upgrade() -> None:
    _parts()
    _stock()
    _vendor_and_asset_parts()
    _usage()
    _movements()
    _secure()


TERMS = (
    "(pg_catalog.websearch_to_tsquery('simple', $1) OPERATOR(pg_catalog.||)"
    " pg_catalog.websearch_to_tsquery('english', $1))"
)
# Ranked part search as in revision 0015 (a migration keeps its own copy: it must not change
# when a later one does): the tenant a literal and the terms a one-shot parameter, so each
# call is planned with the tenant's share of the rows; at most 10,000 matches are ranked.
SEARCH_PARTS = f"""
CREATE FUNCTION app.search_parts(query text, after_rank float8, after_id uuid)
RETURNS TABLE(id uuid, rank float8) LANGUAGE plpgsql STABLE ROWS 100 SECURITY DEFINER
SET search_path = {DEFINER_SEARCH_PATH} AS $fn$
BEGIN
  RETURN QUERY EXECUTE pg_catalog.format($q$
    SELECT m.id, m.rank FROM (
      SELECT c.id, pg_catalog.ts_rank(c.search_vector, {TERMS})::float8 AS rank
      FROM (SELECT t.id, t.search_vector FROM public.parts t
            WHERE t.organization_id = %L AND t.deleted_at IS NULL
              AND t.search_vector OPERATOR(pg_catalog.@@) {TERMS} LIMIT 10000) c
    ) m
    WHERE $2 IS NULL OR m.rank < $2 OR (m.rank = $2 AND m.id > $3)
  $q$, app.current_org()) USING query, after_rank, after_id;
END
$fn$;
ALTER FUNCTION app.search_parts(text, float8, uuid) OWNER TO {Role.DEFINER};
REVOKE ALL ON FUNCTION app.search_parts(text, float8, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.search_parts(text, float8, uuid) TO {Role.APP};
"""
# A stock row that becomes low (available at or below its reorder point, by a movement, a
# reservation or a new reorder point) writes `part.low_stock` to the outbox in the same
# transaction: every write path passes this trigger, atomic SQL included.
LOW_STOCK = """
CREATE FUNCTION app.part_low_stock() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.reorder_point IS NOT NULL AND NEW.on_hand - NEW.reserved <= NEW.reorder_point
     AND (TG_OP = 'INSERT' OR OLD.reorder_point IS NULL
          OR OLD.on_hand - OLD.reserved > OLD.reorder_point) THEN
    INSERT INTO public.outbox (id, organization_id, event_type, entity_type, entity_id,
                               payload, request_id, actor_id)
    VALUES (app.uuidv7(), NEW.organization_id, 'part.low_stock', 'part', NEW.part_id,
            pg_catalog.jsonb_build_object(
              'storeroomId', NEW.storeroom_id, 'available', NEW.on_hand - NEW.reserved,
              'reorderPoint', NEW.reorder_point, 'maxQuantity', NEW.max_quantity),
            NULLIF(pg_catalog.current_setting('app.request_id', true), ''),
            NULLIF(pg_catalog.current_setting('app.user_id', true), '')::uuid);
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER part_low_stock AFTER INSERT OR UPDATE OF on_hand, reserved, reorder_point
ON parts_inventory FOR EACH ROW EXECUTE FUNCTION app.part_low_stock();
"""
# Balances and costs are recorded by the ledger row written with each change; auditing them
# again per row would double every movement's writes (D6: the ledger is the trail).
LEDGER_DRIVEN = {
    "parts_inventory": ("on_hand", "reserved", "average_unit_cost"),
    "work_order_parts_used": ("reserved_quantity", "issued_quantity", "returned_quantity", "cost"),
}


def _secure() -> None:
    tenant_table("parts", audit_skip=("search_vector",))
    bump_version("parts")
    for table, skip in LEDGER_DRIVEN.items():
        tenant_table(table, audit_skip=skip)
        # A movement stamps the row's update time too: still no edit of the row's settings.
        bump_version(table, bookkeeping=(*skip, "updated_at", "updated_by"))
    tenant_table("vendor_parts")
    bump_version("vendor_parts")
    tenant_table("asset_parts")
    # Append-only: a movement is never updated or deleted, a mistake is reversed by another.
    enable_rls("stock_movements")
    grant("stock_movements", ("SELECT", "INSERT"))
    grant("parts", ("SELECT",), role=Role.DEFINER)
    run_sql(SEARCH_PARTS)
    run_sql(LOW_STOCK)
    grant("parts_inventory", ("SELECT",), role=Role.DEFINER)
    # D4: the ledger check job lists the organizations that keep stock (ids only).
    definer_function(
        "organizations_with_stock()",
        "SETOF uuid",
        "SELECT DISTINCT s.organization_id FROM public.parts_inventory s",
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION app.organizations_with_stock()")
    op.execute("DROP FUNCTION app.search_parts(text, float8, uuid)")
    # Dropping a table drops its indexes, triggers and policies.
    for table in (
        "stock_movements",
        "work_order_parts_used",
        "asset_parts",
        "vendor_parts",
        "parts_inventory",
        "parts",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION app.part_low_stock()")
