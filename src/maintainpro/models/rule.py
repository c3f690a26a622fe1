"""The rules engine: an organization's rules (event -> conditions -> actions) and the record of
each rule's run on each event."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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

# The outbox events a rule may hear (of the public ones), and what a rule acts on.
RuleEvent = Literal[
    "work_order.created",
    "work_order.status_changed",
    "work_order.comment_added",
    "part.low_stock",
    "pm.occurrence_created",
]
Match = Literal["all", "any"]
EntityType = Literal["work_order", "part"]
RULE_EVENTS: tuple[str, ...] = get_args(RuleEvent)
MATCHES: tuple[str, ...] = get_args(Match)
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)


class Rule(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """When `event` happens, if the entity's fields meet `conditions` (all or any of them), do
    `actions`. Both lists are stored as the API shows them (camelCase), validated on save.
    Rules of one event run in `position`, then id, order."""

    __tablename__ = "rules"
    __table_args__ = tenant_table_args(
        "rules",
        CheckConstraint(f"event IN {RULE_EVENTS}", name="event"),
        CheckConstraint(f"match IN {MATCHES}", name="match"),
        CheckConstraint("jsonb_typeof(conditions) = 'array'", name="conditions_array"),
        CheckConstraint("jsonb_typeof(actions) = 'array'", name="actions_array"),
        # The worker's one lookup per event: the live rules of an event, in run order.
        Index(
            "ix_rules_organization_id_event_live",
            "organization_id",
            "event",
            "position",
            "id",
            postgresql_where=text("enabled AND deleted_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    event: Mapped[str] = mapped_column(String(100))
    match: Mapped[str] = mapped_column(String(8), server_default="all", default="all")
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    position: Mapped[int] = mapped_column(Integer, server_default="0", default=0)


class RuleExecution(UUIDPrimaryKey, TenantOwned, Base):
    """One rule run on one outbox event: whether it matched, each action with its outcome, and
    the error that stopped it. Unique per rule and event: a redelivered event runs no rule
    twice (the row is claimed before any action runs)."""

    __tablename__ = "rule_executions"
    __table_args__ = tenant_table_args(
        "rule_executions",
        tenant_fk("rule_id", "rules", ondelete="CASCADE"),
        CheckConstraint(f"entity_type IN {ENTITY_TYPES}", name="entity_type"),
        UniqueConstraint("organization_id", "rule_id", "event_id"),
        Index("ix_rule_executions_organization_id_rule_id_id", "organization_id", "rule_id", "id"),
    )

    rule_id: Mapped[UUID]
    # The outbox event (no foreign key: the outbox is pruned, the record stays).
    event_id: Mapped[UUID]
    event_type: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[UUID | None]
    matched: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    # [{action, outcome: done | skipped, detail}]; none when the actions failed (see `error`)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb"), default=list
    )
    error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
