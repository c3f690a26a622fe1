"""Work order templates and checklists (C3): what a template copies into new work, the typed
checklist items of a work order with their results, and the signatures over a checklist."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
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
    tenant_table_args,
)

# The two-column tenant foreign keys (D5), as work orders declare them.
from maintainpro.models.work_order import PRIORITIES, WORK_ORDER_TYPES, _fk, _nullable_fk

ITEM_KINDS = ("pass_fail", "yes_no", "text", "number", "meter_reading", "photo")
ITEM_STATUSES = ("open", "passed", "failed", "done")
SIGNATURE_MEANINGS = ("performed", "verified", "reviewed", "approved")


class WorkOrderTemplate(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """Recurring work described once. A work order created from it gets copies of its fields
    and checklists: changing the template later never touches existing work."""

    __tablename__ = "work_order_templates"
    __table_args__ = tenant_table_args(
        "work_order_templates",
        _nullable_fk("problem_code_id", "failure_codes"),
        _nullable_fk("cause_code_id", "failure_codes"),
        _nullable_fk("remedy_code_id", "failure_codes"),
        CheckConstraint(f"type IN {WORK_ORDER_TYPES}", name="type"),
        CheckConstraint(f"priority IN {PRIORITIES}", name="priority"),
        CheckConstraint("estimated_hours >= 0", name="estimated_hours_positive"),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    estimated_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    # [{name, items: [item definition]}], validated by the API; copied into checklist rows.
    checklists: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb"), default=list
    )
    # [{partId?, description, quantity}]: resolved against parts when inventory exists.
    planned_parts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb"), default=list
    )
    problem_code_id: Mapped[UUID | None]
    cause_code_id: Mapped[UUID | None]
    remedy_code_id: Mapped[UUID | None]


class Checklist(UUIDPrimaryKey, TenantOwned, Base, Audited):
    """A named, ordered list of items on one work order."""

    __tablename__ = "checklists"
    __table_args__ = tenant_table_args(
        "checklists",
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
        UniqueConstraint("organization_id", "work_order_id", "position"),
    )

    # Server defaults (timestamps) are read back on insert: responses show them.
    __mapper_args__ = {"eager_defaults": True}

    work_order_id: Mapped[UUID]
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class ChecklistItem(UUIDPrimaryKey, TenantOwned, Base, Audited):
    """One typed question and, once answered, its result (who, when, what, and the status the
    answer gives the item)."""

    __tablename__ = "checklist_items"
    __table_args__ = tenant_table_args(
        "checklist_items",
        _fk("checklist_id", "checklists", ondelete="CASCADE"),
        _nullable_fk("meter_id", "meters"),
        _nullable_fk("result_by", "users"),
        _nullable_fk("follow_up_work_order_id", "work_orders"),
        _nullable_fk("result_attachment_id", "attachments"),
        UniqueConstraint("organization_id", "checklist_id", "position"),
        CheckConstraint(f"kind IN {ITEM_KINDS}", name="kind"),
        CheckConstraint(f"status IN {ITEM_STATUSES}", name="status"),
        CheckConstraint(
            "min_value IS NULL OR max_value IS NULL OR min_value <= max_value", name="limits"
        ),
        CheckConstraint("(status = 'open') = (result_at IS NULL)", name="result_status"),
        # The follow-up foreign key's referencing side: a work order's delete (a tenant purge)
        # finds the items naming it without scanning them all.
        Index(
            "ix_checklist_items_organization_id_follow_up_work_order_id",
            "organization_id",
            "follow_up_work_order_id",
            postgresql_where=text("follow_up_work_order_id IS NOT NULL"),
        ),
    )

    # Server defaults (timestamps) are read back on insert: responses show them.
    __mapper_args__ = {"eager_defaults": True}

    checklist_id: Mapped[UUID]
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(32))
    meter_id: Mapped[UUID | None]
    # A failed result creates a follow-up work order by itself.
    create_follow_up: Mapped[bool] = mapped_column(
        Boolean, server_default=text("false"), default=False
    )
    status: Mapped[str] = mapped_column(String(16), server_default="open", default="open")
    # The answer as sent (a JSON string, number or boolean); a photo's is its attachment.
    result_value: Mapped[Any | None] = mapped_column(JSONB(none_as_null=True))
    # An image attached to the item or its work order (checked when the result is recorded).
    result_attachment_id: Mapped[UUID | None]
    result_note: Mapped[str | None] = mapped_column(String(2000))
    result_by: Mapped[UUID | None]
    result_at: Mapped[datetime | None]
    follow_up_work_order_id: Mapped[UUID | None]


class ChecklistSignature(UUIDPrimaryKey, TenantOwned, Base):
    """Someone vouching for a checklist as it stood: the SHA-256 of its canonical state (items
    and results) at that moment. Append-only."""

    __tablename__ = "checklist_signatures"
    __table_args__ = tenant_table_args(
        "checklist_signatures",
        _fk("checklist_id", "checklists", ondelete="CASCADE"),
        _nullable_fk("signer_id", "users"),
        CheckConstraint(f"meaning IN {SIGNATURE_MEANINGS}", name="meaning"),
        CheckConstraint("octet_length(state_hash) = 32", name="state_hash_length"),
        Index(
            "ix_checklist_signatures_organization_id_checklist_id",
            "organization_id",
            "checklist_id",
            "id",
        ),
    )

    # Server defaults (timestamps) are read back on insert: responses show them.
    __mapper_args__ = {"eager_defaults": True}

    checklist_id: Mapped[UUID]
    signer_id: Mapped[UUID | None]
    meaning: Mapped[str] = mapped_column(String(16))
    state_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime] = mapped_column(server_default=text("clock_timestamp()"))
