"""Purchasing (C5): purchase orders to vendors, their lines and the receipts that bring the
parts into a storeroom at the order's price."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import CheckConstraint, Computed, Date, Index, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import (
    Audited,
    Base,
    TenantOwned,
    UUIDPrimaryKey,
    Versioned,
    tenant_fk,
    tenant_table_args,
)
from maintainpro.models.inventory import Quantity, UnitCost

PURCHASE_ORDER_STATUSES = (
    "draft",
    "submitted",
    "approved",
    "ordered",
    "partially_received",
    "received",
    "closed",
    "cancelled",
)


class PurchaseOrder(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """An order to one vendor, delivered to one storeroom. Its number comes from the
    organization's `purchase_order` sequence; its total is the sum of its lines."""

    __tablename__ = "purchase_orders"
    __table_args__ = tenant_table_args(
        "purchase_orders",
        tenant_fk("vendor_id", "vendors"),
        tenant_fk("storeroom_id", "locations"),
        CheckConstraint(f"status IN {PURCHASE_ORDER_STATUSES}", name="status"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        Index(
            "uq_purchase_orders_organization_id_number", "organization_id", "number", unique=True
        ),
        Index("ix_purchase_orders_organization_id_status", "organization_id", "status", "id"),
        Index("ix_purchase_orders_organization_id_vendor_id", "organization_id", "vendor_id", "id"),
    )

    number: Mapped[str] = mapped_column(String(32))
    vendor_id: Mapped[UUID]
    storeroom_id: Mapped[UUID]
    status: Mapped[str] = mapped_column(String(24), server_default="draft", default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    expected_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0", default=Decimal(0))
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[UUID | None]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[UUID | None]
    ordered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(String(500))


class PurchaseOrderLine(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """A part on an order: how many at what price, and how many have arrived."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = tenant_table_args(
        "purchase_order_lines",
        tenant_fk("purchase_order_id", "purchase_orders", ondelete="CASCADE"),
        tenant_fk("part_id", "parts"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_positive"),
        CheckConstraint(
            "received_quantity >= 0 AND received_quantity <= quantity",
            name="received_within_ordered",
        ),
        Index(
            "ix_purchase_order_lines_organization_id_purchase_order_id",
            "organization_id",
            "purchase_order_id",
            "id",
        ),
        Index("ix_purchase_order_lines_organization_id_part_id", "organization_id", "part_id"),
    )

    purchase_order_id: Mapped[UUID]
    part_id: Mapped[UUID]
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost)
    received_quantity: Mapped[Decimal] = mapped_column(
        Quantity, server_default="0", default=Decimal(0)
    )
    line_total: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), Computed("round(quantity * unit_price, 2)", persisted=True)
    )
    vendor_part_number: Mapped[str | None] = mapped_column(String(100))


class PurchaseOrderReceipt(UUIDPrimaryKey, TenantOwned, Base):
    """One delivery of one line (append-only): the quantity and the receipt movement it made."""

    __tablename__ = "purchase_order_receipts"
    __table_args__ = tenant_table_args(
        "purchase_order_receipts",
        tenant_fk("purchase_order_id", "purchase_orders"),
        tenant_fk("line_id", "purchase_order_lines"),
        tenant_fk("movement_id", "stock_movements"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("exchange_rate > 0", name="exchange_rate_positive"),
        Index(
            "ix_purchase_order_receipts_organization_id_purchase_order_id",
            "organization_id",
            "purchase_order_id",
            "id",
        ),
        # The foreign keys' other sides: deleting a draft's line or a movement (a purge)
        # checks here.
        Index("ix_purchase_order_receipts_organization_id_line_id", "organization_id", "line_id"),
        Index(
            "ix_purchase_order_receipts_organization_id_movement_id",
            "organization_id",
            "movement_id",
        ),
    )

    purchase_order_id: Mapped[UUID]
    line_id: Mapped[UUID]
    movement_id: Mapped[UUID]
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    # Units of the organization's book currency per unit of the order's currency, as applied.
    exchange_rate: Mapped[Decimal] = mapped_column(
        Numeric(18, 8), server_default="1", default=Decimal(1)
    )
    note: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    received_by: Mapped[UUID | None]
