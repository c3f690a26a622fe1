"""Escalations (C6): rules that raise unacknowledged or overdue work through levels on a clock,
and every escalation a work order went through (by a rule or by hand)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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

ESCALATION_TRIGGERS = ("unacknowledged", "overdue")
CLOCKS = ("calendar", "business_hours")
ESCALATION_KINDS = ("automatic", "manual")


class EscalationRule(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """Which work a rule watches (trigger, and optionally types, priorities and a site), its
    clock, and its levels: `levels` is the validated list of `escalation/schemas.py: Level`,
    each reached `afterMinutes` into the clock. After the last level the rule re-escalates
    every `repeat_minutes` while the work stays unacknowledged or overdue."""

    __tablename__ = "escalation_rules"
    __table_args__ = tenant_table_args(
        "escalation_rules",
        tenant_fk("site_id", "locations"),
        CheckConstraint(f"trigger IN {ESCALATION_TRIGGERS}", name="trigger"),
        CheckConstraint(f"clock IN {CLOCKS}", name="clock"),
        CheckConstraint("repeat_minutes > 0", name="repeat_minutes"),
        CheckConstraint("jsonb_typeof(levels) = 'array'", name="levels"),
        # The scan: the live, enabled rules of an organization.
        Index(
            "ix_escalation_rules_organization_id_live",
            "organization_id",
            postgresql_where=text("enabled AND deleted_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(16))
    work_order_types: Mapped[list[str] | None] = mapped_column(ARRAY(String(16)))
    priorities: Mapped[list[str] | None] = mapped_column(ARRAY(String(16)))
    site_id: Mapped[UUID | None]
    clock: Mapped[str] = mapped_column(String(16), server_default="calendar", default="calendar")
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    repeat_minutes: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)


class WorkOrderEscalation(UUIDPrimaryKey, TenantOwned, Base):
    """One escalation of one work order: by a rule at a level (`sequence` counts the
    re-escalations at the last level) or by hand with a reason; `actions` is what it did.
    Unique per rule, level and sequence, so scanners running at once escalate once."""

    __tablename__ = "work_order_escalations"
    __table_args__ = tenant_table_args(
        "work_order_escalations",
        tenant_fk("work_order_id", "work_orders", ondelete="CASCADE"),
        tenant_fk("rule_id", "escalation_rules"),
        tenant_fk("escalated_by", "users", ondelete="SET NULL (escalated_by)"),
        CheckConstraint(f"kind IN {ESCALATION_KINDS}", name="kind"),
        CheckConstraint("level >= 1 AND sequence >= 0", name="level"),
        CheckConstraint("kind = 'manual' OR rule_id IS NOT NULL", name="rule_for_automatic"),
        CheckConstraint("kind = 'automatic' OR reason IS NOT NULL", name="reason_for_manual"),
        Index(
            "uq_work_order_escalations_rule_level",
            "organization_id",
            "work_order_id",
            "rule_id",
            "level",
            "sequence",
            unique=True,
            postgresql_where=text("kind = 'automatic'"),
        ),
        Index(
            "ix_work_order_escalations_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
            "id",
        ),
        Index(
            "ix_work_order_escalations_organization_id_rule_id_level",
            "organization_id",
            "rule_id",
            "level",
        ),
    )

    work_order_id: Mapped[UUID]
    rule_id: Mapped[UUID | None]
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    escalated_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
