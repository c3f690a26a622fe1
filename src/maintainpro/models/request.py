"""Maintenance requests (C3): problems reported by people who do not plan work, decided by a
supervisor into a work order or a rejection; and the public request links anyone can use."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Audited, Base, TenantOwned, UUIDPrimaryKey, Versioned
from maintainpro.models.base import tenant_table_args as _args
from maintainpro.models.work_order import PRIORITIES, _fk, _nullable_fk

REQUEST_STATUSES = ("submitted", "approved", "rejected")


class RequestLink(UUIDPrimaryKey, TenantOwned, Base, Audited):
    """A secret URL for one asset or location through which anyone can file a request. Only the
    digest of its token is stored; the token is derived from the link id (request/links.py)."""

    __tablename__ = "request_links"
    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = _args(
        "request_links",
        _fk("asset_id", "assets", ondelete="CASCADE"),
        _fk("location_id", "locations", ondelete="CASCADE"),
        CheckConstraint("num_nonnulls(asset_id, location_id) = 1", name="one_target"),
        Index("uq_request_links_digest", "digest", unique=True),
    )

    asset_id: Mapped[UUID | None]
    location_id: Mapped[UUID | None]
    name: Mapped[str | None] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]


class MaintenanceRequest(UUIDPrimaryKey, TenantOwned, Base, Audited, Versioned):
    """A reported problem awaiting a decision. Approval creates a work order and records it
    here (`work_order_id`): the link lives on this side only."""

    __tablename__ = "maintenance_requests"
    __table_args__ = _args(
        "maintenance_requests",
        _nullable_fk("asset_id", "assets"),
        _nullable_fk("location_id", "locations"),
        _nullable_fk("site_id", "locations"),
        _nullable_fk("requester_id", "users"),
        _nullable_fk("decided_by", "users"),
        _nullable_fk("request_link_id", "request_links"),
        _nullable_fk("work_order_id", "work_orders"),
        CheckConstraint(f"status IN {REQUEST_STATUSES}", name="status"),
        CheckConstraint(f"priority IN {PRIORITIES}", name="priority"),
        CheckConstraint("(status = 'submitted') = (decided_at IS NULL)", name="decided"),
        CheckConstraint(
            "status <> 'rejected' OR rejection_reason IS NOT NULL", name="rejection_reason"
        ),
        Index("ix_maintenance_requests_organization_id_status", "organization_id", "status", "id"),
        Index(
            "ix_maintenance_requests_organization_id_requester_id",
            "organization_id",
            "requester_id",
            "id",
        ),
        Index(
            "ix_maintenance_requests_organization_id_site_id", "organization_id", "site_id", "id"
        ),
        # A work order comes from at most one request, found from either side by an index.
        Index(
            "uq_maintenance_requests_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
            unique=True,
            postgresql_where=text("work_order_id IS NOT NULL"),
        ),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    asset_id: Mapped[UUID | None]
    location_id: Mapped[UUID | None]
    # Of the location, else of the asset: what site-bound supervisors filter on.
    site_id: Mapped[UUID | None]
    # The requester's suggestion; the approver may change it on the work order.
    priority: Mapped[str] = mapped_column(String(16), server_default="medium", default="medium")
    status: Mapped[str] = mapped_column(String(16), server_default="submitted", default="submitted")
    # A signed-in requester, or (through a request link) an optional name and e-mail.
    requester_id: Mapped[UUID | None]
    requester_name: Mapped[str | None] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(320))
    request_link_id: Mapped[UUID | None]
    decided_by: Mapped[UUID | None]
    decided_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(String(2000))
    work_order_id: Mapped[UUID | None]
