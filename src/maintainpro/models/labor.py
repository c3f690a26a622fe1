"""Labor (C3): time people spend on work orders, the crafts they work in and the rates that
price that time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import CheckConstraint, Computed, Index, Numeric, String, text
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

LABOR_SOURCES = ("manual", "timer")
# Hours of a finished entry, to the hundredth (36 seconds): what the roll-up sums exactly.
LABOR_HOURS = "round(EXTRACT(EPOCH FROM ended_at - started_at) / 3600, 2)"
LABOR_COST = f"round({LABOR_HOURS} * hourly_rate, 2)"
RUNNING = "ended_at IS NULL AND deleted_at IS NULL"


class Craft(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A trade (electrician, millwright) and the hourly rate its labor is priced at when the
    person has no rate of their own."""

    __tablename__ = "crafts"
    __table_args__ = tenant_table_args(
        "crafts",
        CheckConstraint("hourly_rate >= 0", name="hourly_rate_positive"),
        Index(
            "uq_crafts_organization_id_name_live",
            "organization_id",
            "name",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class LaborEntry(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """Time one person spent on one work order: a running timer (no end yet) or a finished
    entry. The rate is the one in force when the entry was made; hours and cost derive from
    it and the times, and roll up into the work order by a trigger."""

    __tablename__ = "labor_entries"
    __table_args__ = tenant_table_args(
        "labor_entries",
        tenant_fk("work_order_id", "work_orders", ondelete="CASCADE"),
        tenant_fk("user_id", "users"),
        tenant_fk("craft_id", "crafts", ondelete="SET NULL (craft_id)"),
        CheckConstraint(f"source IN {LABOR_SOURCES}", name="source"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_start"),
        CheckConstraint("hourly_rate >= 0", name="hourly_rate_positive"),
        # One running timer per person, across every work order.
        Index(
            "uq_labor_entries_organization_id_user_id_running",
            "organization_id",
            "user_id",
            unique=True,
            postgresql_where=text(RUNNING),
        ),
        Index(
            "ix_labor_entries_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
            "started_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    work_order_id: Mapped[UUID]
    user_id: Mapped[UUID]
    craft_id: Mapped[UUID | None]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    hours: Mapped[Decimal | None] = mapped_column(
        Numeric(8, 2), Computed(LABOR_HOURS, persisted=True)
    )
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    cost: Mapped[Decimal | None] = mapped_column(
        Numeric(14, 2), Computed(LABOR_COST, persisted=True)
    )
    note: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(16))
