"""Work management (C3): work orders, their assets, assignees, teams, failure codes, numbering
and the status history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    ForeignKeyConstraint,
    Index,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
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

WORK_ORDER_TYPES = (
    "corrective",
    "preventive",
    "emergency",
    "inspection",
    "predictive",
    "improvement",
)
PRIORITIES = ("low", "medium", "high", "critical")
STATUSES = (
    "new",
    "assigned",
    "in_progress",
    "on_hold",
    "completed",
    "verified",
    "closed",
    "cancelled",
)
FAILURE_CODE_KINDS = ("problem", "cause", "remedy")
# Work still to do, and work nobody has started yet (what escalation rules watch).
OPEN = ("new", "assigned", "in_progress", "on_hold")
UNACKNOWLEDGED = ("new", "assigned")

# Number and title weigh most, then the description (SPEC section 2).
WORK_ORDER_SEARCH = (
    "setweight(to_tsvector('simple', coalesce(number, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(description, '')), 'C')"
)


PRIORITY_RANK = (
    "CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3"
    " WHEN 'critical' THEN 4 END"
)
NO_DUE_DATE = "9999-12-31 00:00:00+00"
DUE_SORT = f"coalesce(due_at, '{NO_DUE_DATE}'::timestamptz)"


_fk = tenant_fk


def _nullable_fk(column: str, table: str) -> ForeignKeyConstraint:
    return _fk(column, table, ondelete=f"SET NULL ({column})")


class Team(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A crew work can be assigned to, optionally bound to one site."""

    __tablename__ = "teams"
    __table_args__ = tenant_table_args(
        "teams",
        _nullable_fk("site_id", "locations"),
        Index(
            "uq_teams_organization_id_name_live",
            "organization_id",
            "name",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(2000))
    site_id: Mapped[UUID | None]


class TeamMember(UUIDPrimaryKey, TenantOwned, Base):
    __tablename__ = "team_members"
    __table_args__ = tenant_table_args(
        "team_members",
        _fk("team_id", "teams", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("team_id", "user_id"),
        Index("ix_team_members_organization_id_user_id", "organization_id", "user_id"),
    )

    team_id: Mapped[UUID]
    user_id: Mapped[UUID]


class FailureCode(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """Problem, cause and remedy codes (ISO 14224 style), per organization, optionally for one
    asset category only."""

    __tablename__ = "failure_codes"
    __table_args__ = tenant_table_args(
        "failure_codes",
        CheckConstraint(f"kind IN {FAILURE_CODE_KINDS}", name="kind"),
        Index(
            "uq_failure_codes_organization_id_kind_code_live",
            "organization_id",
            "kind",
            "code",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    asset_category: Mapped[str | None] = mapped_column(String(100))


class WorkOrderNumber(TenantOwned, Base):
    """Uniqueness of work order numbers across every partition (a partitioned table can only
    enforce keys that contain its partition key)."""

    __tablename__ = "work_order_numbers"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        PrimaryKeyConstraint("organization_id", "number"),
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
    )

    number: Mapped[str] = mapped_column(String(32))
    work_order_id: Mapped[UUID]


class WorkOrder(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A unit of maintenance work (C3). Partitioned by quarter on its UUIDv7 id (D5): a get by
    id prunes to one partition and the primary and tenant keys stay legal."""

    __tablename__ = "work_orders"
    __table_args__ = tenant_table_args(
        "work_orders",
        _nullable_fk("location_id", "locations"),
        _nullable_fk("site_id", "locations"),
        _nullable_fk("requester_id", "users"),
        _nullable_fk("team_id", "teams"),
        _nullable_fk("completed_by", "users"),
        _nullable_fk("verified_by", "users"),
        _nullable_fk("problem_code_id", "failure_codes"),
        _nullable_fk("cause_code_id", "failure_codes"),
        _nullable_fk("remedy_code_id", "failure_codes"),
        _nullable_fk("parent_work_order_id", "work_orders"),
        _nullable_fk("template_id", "work_order_templates"),
        CheckConstraint(f"type IN {WORK_ORDER_TYPES}", name="type"),
        CheckConstraint(f"priority IN {PRIORITIES}", name="priority"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(
            "scheduled_end_at IS NULL OR scheduled_start_at IS NULL"
            " OR scheduled_end_at >= scheduled_start_at",
            name="scheduled_window",
        ),
        CheckConstraint("estimated_hours >= 0", name="estimated_hours_positive"),
        CheckConstraint("actual_hours >= 0", name="actual_hours_positive"),
        CheckConstraint(
            "labor_cost >= 0 AND parts_cost >= 0 AND other_cost >= 0", name="costs_positive"
        ),
        # Lists: every index leads with the organization and ends with the id (the keyset's
        # tie-breaker), partial on live rows.
        Index("ix_work_orders_organization_id_status", "organization_id", "status", "id"),
        Index("ix_work_orders_organization_id_priority", "organization_id", "priority", "id"),
        Index("ix_work_orders_organization_id_type", "organization_id", "type", "id"),
        Index("ix_work_orders_organization_id_due_sort", "organization_id", "due_sort", "id"),
        Index(
            "ix_work_orders_organization_id_priority_rank",
            "organization_id",
            "priority_rank",
            "id",
        ),
        Index("ix_work_orders_organization_id_site_id", "organization_id", "site_id", "id"),
        Index("ix_work_orders_organization_id_location_id", "organization_id", "location_id", "id"),
        Index(
            "ix_work_orders_organization_id_requester_id",
            "organization_id",
            "requester_id",
            "id",
        ),
        Index("ix_work_orders_organization_id_team_id", "organization_id", "team_id", "id"),
        Index(
            "ix_work_orders_organization_id_parent_work_order_id",
            "organization_id",
            "parent_work_order_id",
        ),
        Index(
            "ix_work_orders_organization_id_search",
            "organization_id",
            "search_vector",
            postgresql_using="gin",
        ),
        # The escalation scan (`escalation/scan.py`): open work by due time, and work nobody
        # has started by the time it was reported.
        Index(
            "ix_work_orders_organization_id_open_due",
            "organization_id",
            "due_at",
            postgresql_where=text(
                f"due_at IS NOT NULL AND deleted_at IS NULL AND status IN {OPEN}"
            ),
        ),
        # Overdue work, newest first (`overdue=true`): open work in id order, the due time in
        # the index so the overdue test needs no heap visit. The due-time index above would
        # return every overdue work order of the tenant to sort it for one page.
        Index(
            "ix_work_orders_organization_id_open_id_due_sort",
            "organization_id",
            "id",
            "due_sort",
            postgresql_where=text(f"deleted_at IS NULL AND status IN {OPEN}"),
        ),
        Index(
            "ix_work_orders_organization_id_unacknowledged",
            "organization_id",
            "reported_at",
            postgresql_where=text(f"deleted_at IS NULL AND status IN {UNACKNOWLEDGED}"),
        ),
        {"postgresql_partition_by": "RANGE (id)"},
    )

    number: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="new", default="new")
    location_id: Mapped[UUID | None]
    # The site of the location, else of the first asset: what site-bound roles filter on.
    site_id: Mapped[UUID | None]
    requester_id: Mapped[UUID | None]
    team_id: Mapped[UUID | None]
    parent_work_order_id: Mapped[UUID | None]
    template_id: Mapped[UUID | None]
    reported_at: Mapped[datetime] = mapped_column(server_default=func.now())
    due_at: Mapped[datetime | None]
    scheduled_start_at: Mapped[datetime | None]
    scheduled_end_at: Mapped[datetime | None]
    estimated_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    # Rolled up from labor entries (and parts, with inventory) by the database.
    actual_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default="0", default=0)
    labor_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0", default=0)
    parts_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0", default=0)
    other_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0", default=0)
    asset_down: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    problem_code_id: Mapped[UUID | None]
    cause_code_id: Mapped[UUID | None]
    remedy_code_id: Mapped[UUID | None]
    status_changed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[UUID | None]
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[UUID | None]
    closed_at: Mapped[datetime | None]
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(WORK_ORDER_SEARCH, persisted=True)
    )
    # Sort keys (internal): the priority in order of urgency, and the due date with "no due
    # date" last, so keyset pagination never meets a NULL.
    priority_rank: Mapped[int] = mapped_column(
        SmallInteger, Computed(PRIORITY_RANK, persisted=True)
    )
    due_sort: Mapped[datetime] = mapped_column(Computed(DUE_SORT, persisted=True))


class WorkOrderAsset(UUIDPrimaryKey, TenantOwned, Base):
    __tablename__ = "work_order_assets"
    __table_args__ = tenant_table_args(
        "work_order_assets",
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
        _fk("asset_id", "assets", ondelete="CASCADE"),
        # Tenant first: a work order's links are found by both columns whatever the tenant mix.
        UniqueConstraint("organization_id", "work_order_id", "asset_id"),
        # "work on this asset" lists and the asset history, newest first.
        Index(
            "ix_work_order_assets_organization_id_asset_id",
            "organization_id",
            "asset_id",
            "work_order_id",
        ),
    )

    work_order_id: Mapped[UUID]
    asset_id: Mapped[UUID]


class WorkOrderAssignee(UUIDPrimaryKey, TenantOwned, Base):
    __tablename__ = "work_order_assignees"
    __table_args__ = tenant_table_args(
        "work_order_assignees",
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        # Tenant first: a work order's links are found by both columns whatever the tenant mix.
        UniqueConstraint("organization_id", "work_order_id", "user_id"),
        # assignedToMe: one user's work, newest first.
        Index(
            "ix_work_order_assignees_organization_id_user_id",
            "organization_id",
            "user_id",
            "work_order_id",
        ),
    )

    work_order_id: Mapped[UUID]
    user_id: Mapped[UUID]


class WorkOrderTransition(UUIDPrimaryKey, TenantOwned, Base):
    """One status change (the creation included: from NULL to `new`); append-only."""

    __tablename__ = "work_order_transitions"
    __table_args__ = tenant_table_args(
        "work_order_transitions",
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
        CheckConstraint(f"to_status IN {STATUSES}", name="to_status"),
        CheckConstraint(f"from_status IS NULL OR from_status IN {STATUSES}", name="from_status"),
        Index(
            "ix_work_order_transitions_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
            "id",
        ),
    )

    work_order_id: Mapped[UUID]
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(2000))
    actor_id: Mapped[UUID | None]
    occurred_at: Mapped[datetime] = mapped_column(server_default=text("clock_timestamp()"))
