"""Inventory (C5): the parts catalogue, stock per storeroom, the append-only stock ledger and
the parts planned and used on work orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import (
    Audited,
    Base,
    SoftDeleted,
    TenantOwned,
    UUIDPrimaryKey,
    Versioned,
    tenant_fk,
    tenant_table_args,
)

PART_CRITICALITIES = ("low", "medium", "high", "critical")
# Ledger kinds. Quantities are signed: what enters the storeroom is positive.
MOVEMENT_KINDS = (
    "receipt",
    "issue",
    "return",
    "adjustment",
    "transfer_out",
    "transfer_in",
    "count",
)
PART_SEARCH = (
    "setweight(to_tsvector('simple', coalesce(part_number, '') || ' ' || coalesce(name, '')"
    " || ' ' || coalesce(barcode, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(category, '') || ' '"
    " || coalesce(manufacturer, '') || ' ' || coalesce(manufacturer_part_number, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(description, '')), 'C')"
)
LIVE = "deleted_at IS NULL"
# Quantities to the thousandth (litres, metres); unit costs to the ten-thousandth.
Quantity = Numeric(14, 3)
UnitCost = Numeric(14, 4)


class Part(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A catalogue entry: what a spare part is, not where it is (stock is per storeroom)."""

    __tablename__ = "parts"
    __table_args__ = tenant_table_args(
        "parts",
        CheckConstraint(f"criticality IN {PART_CRITICALITIES}", name="criticality"),
        CheckConstraint("default_unit_cost >= 0", name="default_unit_cost_positive"),
        Index(
            "uq_parts_organization_id_part_number_live",
            "organization_id",
            "part_number",
            unique=True,
            postgresql_where=text(LIVE),
        ),
        Index(
            "ix_parts_organization_id_name",
            "organization_id",
            "name",
            "id",
            postgresql_where=text(LIVE),
        ),
        Index(
            "ix_parts_organization_id_category",
            "organization_id",
            "category",
            "id",
            postgresql_where=text(LIVE),
        ),
        Index(
            "ix_parts_organization_id_barcode",
            "organization_id",
            "barcode",
            postgresql_where=text(f"barcode IS NOT NULL AND {LIVE}"),
        ),
        Index(
            "ix_parts_organization_id_search",
            "organization_id",
            "search_vector",
            postgresql_using="gin",
        ),
    )

    part_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(16), server_default="each", default="each")
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    manufacturer_part_number: Mapped[str | None] = mapped_column(String(100))
    barcode: Mapped[str | None] = mapped_column(String(128))
    criticality: Mapped[str] = mapped_column(String(16), server_default="medium", default="medium")
    default_unit_cost: Mapped[Decimal] = mapped_column(
        UnitCost, server_default="0", default=Decimal(0)
    )
    search_vector: Mapped[str] = mapped_column(TSVECTOR, Computed(PART_SEARCH, persisted=True))


class PartStock(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """A part in one storeroom (`parts_inventory`): the balances the ledger moves, the levels
    that trigger a reorder and the moving-average unit cost. Balances change only by atomic
    SQL in the same statement as their ledger row; `available = on_hand - reserved`."""

    __tablename__ = "parts_inventory"
    __table_args__ = tenant_table_args(
        "parts_inventory",
        tenant_fk("part_id", "parts", ondelete="CASCADE"),
        tenant_fk("storeroom_id", "locations"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("average_unit_cost >= 0", name="average_unit_cost_positive"),
        CheckConstraint(
            "min_quantity IS NULL OR min_quantity >= 0", name="min_quantity_not_negative"
        ),
        CheckConstraint(
            "reorder_point IS NULL OR reorder_point >= 0", name="reorder_point_not_negative"
        ),
        CheckConstraint(
            "max_quantity IS NULL OR reorder_point IS NULL OR max_quantity >= reorder_point",
            name="max_at_least_reorder_point",
        ),
        Index(
            "uq_parts_inventory_organization_id_part_id_storeroom_id",
            "organization_id",
            "part_id",
            "storeroom_id",
            unique=True,
        ),
        Index(
            "ix_parts_inventory_organization_id_storeroom_id",
            "organization_id",
            "storeroom_id",
            "part_id",
        ),
        # The reorder list: rows at or below their reorder point.
        Index(
            "ix_parts_inventory_organization_id_low",
            "organization_id",
            "storeroom_id",
            "part_id",
            postgresql_where=text("on_hand - reserved <= reorder_point"),
        ),
    )

    part_id: Mapped[UUID]
    storeroom_id: Mapped[UUID]
    bin: Mapped[str | None] = mapped_column(String(64))
    on_hand: Mapped[Decimal] = mapped_column(Quantity, server_default="0", default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(Quantity, server_default="0", default=Decimal(0))
    min_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    reorder_point: Mapped[Decimal | None] = mapped_column(Quantity)
    max_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    average_unit_cost: Mapped[Decimal] = mapped_column(
        UnitCost, server_default="0", default=Decimal(0)
    )


class StockMovement(UUIDPrimaryKey, TenantOwned, Base):
    """One entry of the append-only ledger (never updated or deleted: a mistake is reversed
    by a new movement naming it). The balance of a part in a storeroom is the sum of its
    movements' quantities."""

    __tablename__ = "stock_movements"
    __table_args__ = tenant_table_args(
        "stock_movements",
        # No ON DELETE action: the ledger is never rewritten (parts and work orders are
        # soft-deleted; a tenant purge removes every side in one statement).
        tenant_fk("part_id", "parts"),
        tenant_fk("storeroom_id", "locations"),
        tenant_fk("work_order_id", "work_orders"),
        tenant_fk("usage_id", "work_order_parts_used"),
        tenant_fk("reverses_id", "stock_movements"),
        CheckConstraint(f"kind IN {MOVEMENT_KINDS}", name="kind"),
        CheckConstraint("quantity <> 0 OR kind = 'count'", name="quantity_not_zero"),
        CheckConstraint(
            "(kind IN ('receipt', 'return', 'transfer_in') AND quantity > 0)"
            " OR (kind IN ('issue', 'transfer_out') AND quantity < 0)"
            " OR kind IN ('adjustment', 'count')",
            name="quantity_sign",
        ),
        CheckConstraint("unit_cost >= 0", name="unit_cost_positive"),
        Index(
            "ix_stock_movements_organization_id_part_id",
            "organization_id",
            "part_id",
            "storeroom_id",
            "id",
        ),
        Index(
            "ix_stock_movements_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
            "id",
            postgresql_where=text("work_order_id IS NOT NULL"),
        ),
        Index(
            "ix_stock_movements_organization_id_usage_id",
            "organization_id",
            "usage_id",
            postgresql_where=text("usage_id IS NOT NULL"),
        ),
        Index(
            "uq_stock_movements_organization_id_reverses_id",
            "organization_id",
            "reverses_id",
            unique=True,
            postgresql_where=text("reverses_id IS NOT NULL"),
        ),
    )

    part_id: Mapped[UUID]
    storeroom_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost)
    # The storeroom's balance after this movement (what a stock card shows).
    balance_after: Mapped[Decimal] = mapped_column(Quantity)
    work_order_id: Mapped[UUID | None]
    usage_id: Mapped[UUID | None]
    reverses_id: Mapped[UUID | None]
    # The other half of a transfer (both halves name the same id).
    transfer_id: Mapped[UUID | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_by: Mapped[UUID | None]


class WorkOrderPart(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """A part planned for and used on a work order (`work_order_parts_used`): what is planned,
    what of it is held in stock for the work (`reserved`), what was issued and returned, and
    the cost of the net issue at the unit costs of each issue."""

    __tablename__ = "work_order_parts_used"
    __table_args__ = tenant_table_args(
        "work_order_parts_used",
        tenant_fk("work_order_id", "work_orders", ondelete="CASCADE"),
        tenant_fk("part_id", "parts"),
        tenant_fk("storeroom_id", "locations"),
        CheckConstraint("planned_quantity >= 0", name="planned_not_negative"),
        CheckConstraint("reserved_quantity >= 0", name="reserved_not_negative"),
        CheckConstraint("issued_quantity >= 0", name="issued_not_negative"),
        CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= issued_quantity",
            name="returned_within_issued",
        ),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        Index(
            "ix_work_order_parts_used_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
            "id",
        ),
        Index(
            "ix_work_order_parts_used_organization_id_part_id",
            "organization_id",
            "part_id",
            "storeroom_id",
            postgresql_where=text("reserved_quantity > 0"),
        ),
    )

    work_order_id: Mapped[UUID]
    part_id: Mapped[UUID]
    storeroom_id: Mapped[UUID]
    planned_quantity: Mapped[Decimal] = mapped_column(
        Quantity, server_default="0", default=Decimal(0)
    )
    reserved_quantity: Mapped[Decimal] = mapped_column(
        Quantity, server_default="0", default=Decimal(0)
    )
    issued_quantity: Mapped[Decimal] = mapped_column(
        Quantity, server_default="0", default=Decimal(0)
    )
    returned_quantity: Mapped[Decimal] = mapped_column(
        Quantity, server_default="0", default=Decimal(0)
    )
    # Issued at each issue's unit cost, less returns at the line's average: the parts cost.
    cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0", default=Decimal(0))
    notes: Mapped[str | None] = mapped_column(String(500))
    planned: Mapped[bool] = mapped_column(Boolean, server_default="false", default=False)


class VendorPart(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """What a vendor sells a part as: its number, price, lead time and order minimum; one
    vendor per part may be the preferred one (the reorder proposal's)."""

    __tablename__ = "vendor_parts"
    __table_args__ = tenant_table_args(
        "vendor_parts",
        tenant_fk("vendor_id", "vendors", ondelete="CASCADE"),
        tenant_fk("part_id", "parts", ondelete="CASCADE"),
        CheckConstraint("price >= 0", name="price_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint("lead_time_days IS NULL OR lead_time_days >= 0", name="lead_time"),
        CheckConstraint(
            "minimum_order_quantity IS NULL OR minimum_order_quantity > 0",
            name="minimum_order_quantity_positive",
        ),
        Index(
            "uq_vendor_parts_organization_id_part_id_vendor_id",
            "organization_id",
            "part_id",
            "vendor_id",
            unique=True,
        ),
        Index(
            "uq_vendor_parts_organization_id_part_id_preferred",
            "organization_id",
            "part_id",
            unique=True,
            postgresql_where=text("preferred"),
        ),
        Index("ix_vendor_parts_organization_id_vendor_id", "organization_id", "vendor_id", "id"),
    )

    vendor_id: Mapped[UUID]
    part_id: Mapped[UUID]
    vendor_part_number: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(UnitCost)
    currency: Mapped[str] = mapped_column(String(3))
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    minimum_order_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    preferred: Mapped[bool] = mapped_column(Boolean, server_default="false", default=False)


class AssetPart(UUIDPrimaryKey, TenantOwned, Base, Audited):
    """A spare part that fits an asset, and how many the asset takes."""

    __tablename__ = "asset_parts"
    __table_args__ = tenant_table_args(
        "asset_parts",
        tenant_fk("asset_id", "assets", ondelete="CASCADE"),
        tenant_fk("part_id", "parts", ondelete="CASCADE"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index(
            "uq_asset_parts_organization_id_asset_id_part_id",
            "organization_id",
            "asset_id",
            "part_id",
            unique=True,
        ),
        Index("ix_asset_parts_organization_id_part_id", "organization_id", "part_id"),
    )

    asset_id: Mapped[UUID]
    part_id: Mapped[UUID]
    quantity: Mapped[Decimal] = mapped_column(Quantity, server_default="1", default=Decimal(1))


CYCLE_COUNT_STATUSES = ("open", "posted", "cancelled")


class CycleCount(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """A count session in one storeroom (optionally of one bin prefix or category): its lines
    are the stock rows it covers, counted while issues go on, posted as count movements."""

    __tablename__ = "cycle_counts"
    __table_args__ = tenant_table_args(
        "cycle_counts",
        tenant_fk("storeroom_id", "locations"),
        CheckConstraint(f"status IN {CYCLE_COUNT_STATUSES}", name="status"),
        Index(
            "ix_cycle_counts_organization_id_storeroom_id", "organization_id", "storeroom_id", "id"
        ),
    )

    storeroom_id: Mapped[UUID]
    status: Mapped[str] = mapped_column(String(16), server_default="open", default="open")
    bin_prefix: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))
    posted_at: Mapped[datetime | None]
    posted_by: Mapped[UUID | None]


class CycleCountLine(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """One part of a count: what the books said when the session began, what was counted
    and the books' balance at that moment (the difference is taken against it), and the
    movement posted for it."""

    __tablename__ = "cycle_count_lines"
    __table_args__ = tenant_table_args(
        "cycle_count_lines",
        tenant_fk("cycle_count_id", "cycle_counts", ondelete="CASCADE"),
        tenant_fk("part_id", "parts"),
        tenant_fk("movement_id", "stock_movements"),
        CheckConstraint(
            "counted_quantity IS NULL OR counted_quantity >= 0", name="counted_not_negative"
        ),
        Index(
            "uq_cycle_count_lines_organization_id_cycle_count_id_part_id",
            "organization_id",
            "cycle_count_id",
            "part_id",
            unique=True,
        ),
        Index(
            "ix_cycle_count_lines_organization_id_movement_id",
            "organization_id",
            "movement_id",
            postgresql_where=text("movement_id IS NOT NULL"),
        ),
    )

    cycle_count_id: Mapped[UUID]
    part_id: Mapped[UUID]
    expected_quantity: Mapped[Decimal] = mapped_column(Quantity)
    counted_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    # The books' balance read with the count: the difference posted is against it.
    balance_when_counted: Mapped[Decimal | None] = mapped_column(Quantity)
    counted_at: Mapped[datetime | None]
    counted_by: Mapped[UUID | None]
    movement_id: Mapped[UUID | None]
