"""Preventive maintenance (C6): schedules that turn a work order template into work orders on
time, meter or condition triggers, and the occurrences they generated (each exactly once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
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

TRIGGER_KINDS = ("time", "meter", "condition", "time_or_meter")
MISSED_POLICIES = ("skip", "one", "all")
OCCURRENCE_REASONS = ("time", "meter", "condition", "manual")
# Scheduler bookkeeping: moving a schedule's clock or odometer is no edit of the schedule.
STATE_COLUMNS = (
    "next_due_at",
    "generate_at",
    "meter_total",
    "meter_last_value",
    "meter_last_at",
    "meter_due_total",
    "armed",
    "awaiting_completion",
    "last_generated_at",
    "last_completed_at",
)


class PmSchedule(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """What to do (a template), on what (assets of one site) and when (`trigger`, as validated
    by `pm/triggers.py`). The state columns are the scheduler's: the next time due and the
    moment to generate it (due less the lead time), and for meter triggers an odometer that
    runs on across counter rollovers and meter replacements."""

    __tablename__ = "pm_schedules"
    __table_args__ = tenant_table_args(
        "pm_schedules",
        tenant_fk("template_id", "work_order_templates"),
        tenant_fk("site_id", "locations"),
        tenant_fk("meter_id", "meters"),
        tenant_fk("craft_id", "crafts"),
        CheckConstraint(f"trigger_kind IN {TRIGGER_KINDS}", name="trigger_kind"),
        CheckConstraint(f"missed_policy IN {MISSED_POLICIES}", name="missed_policy"),
        CheckConstraint("lead_days BETWEEN 0 AND 365", name="lead_days"),
        CheckConstraint(
            "(trigger_kind = 'time') = (meter_id IS NULL)", name="meter_for_meter_triggers"
        ),
        # The scheduler's scan: live, running schedules whose generation time has come.
        Index(
            "ix_pm_schedules_organization_id_generate_at",
            "organization_id",
            "generate_at",
            postgresql_where=text(
                "generate_at IS NOT NULL AND paused_at IS NULL AND deleted_at IS NULL"
            ),
        ),
        Index(
            "ix_pm_schedules_organization_id_meter_id",
            "organization_id",
            "meter_id",
            postgresql_where=text("meter_id IS NOT NULL AND deleted_at IS NULL"),
        ),
        Index("ix_pm_schedules_organization_id_template_id", "organization_id", "template_id"),
        Index("ix_pm_schedules_organization_id_site_id", "organization_id", "site_id", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[UUID]
    site_id: Mapped[UUID]
    craft_id: Mapped[UUID | None]
    trigger_kind: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[dict[str, Any]] = mapped_column(JSONB)
    meter_id: Mapped[UUID | None]
    lead_days: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    missed_policy: Mapped[str] = mapped_column(String(8), server_default="one", default="one")
    paused_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None]
    generate_at: Mapped[datetime | None]
    meter_total: Mapped[float] = mapped_column(Float(53), server_default="0", default=0.0)
    meter_last_value: Mapped[float | None] = mapped_column(Float(53))
    meter_last_at: Mapped[datetime | None]
    meter_due_total: Mapped[float | None] = mapped_column(Float(53))
    armed: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    awaiting_completion: Mapped[bool] = mapped_column(
        Boolean, server_default=text("false"), default=False
    )
    last_generated_at: Mapped[datetime | None]
    last_completed_at: Mapped[datetime | None]


class PmScheduleAsset(UUIDPrimaryKey, TenantOwned, Base):
    """The assets one schedule's work orders are for (all on each work order)."""

    __tablename__ = "pm_schedule_assets"
    __table_args__ = tenant_table_args(
        "pm_schedule_assets",
        tenant_fk("schedule_id", "pm_schedules", ondelete="CASCADE"),
        tenant_fk("asset_id", "assets", ondelete="CASCADE"),
        UniqueConstraint("organization_id", "schedule_id", "asset_id"),
        Index("ix_pm_schedule_assets_organization_id_asset_id", "organization_id", "asset_id"),
    )

    schedule_id: Mapped[UUID]
    asset_id: Mapped[UUID]


class PmOccurrence(UUIDPrimaryKey, TenantOwned, Base):
    """One due occurrence and the work order made for it. `key` names the occurrence (its due
    time, its meter mark, its excursion): unique per schedule, so however many schedulers run at
    once, an occurrence becomes one work order."""

    __tablename__ = "pm_occurrences"
    __table_args__ = tenant_table_args(
        "pm_occurrences",
        tenant_fk("schedule_id", "pm_schedules", ondelete="CASCADE"),
        tenant_fk("work_order_id", "work_orders", ondelete="SET NULL (work_order_id)"),
        CheckConstraint(f"reason IN {OCCURRENCE_REASONS}", name="reason"),
        UniqueConstraint("organization_id", "schedule_id", "key"),
        Index(
            "ix_pm_occurrences_organization_id_work_order_id", "organization_id", "work_order_id"
        ),
        Index(
            "ix_pm_occurrences_organization_id_schedule_id_due_at",
            "organization_id",
            "schedule_id",
            "due_at",
        ),
    )

    schedule_id: Mapped[UUID]
    key: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    work_order_id: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
