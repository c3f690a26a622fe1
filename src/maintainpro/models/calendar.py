"""Calendar (C3): scheduled work as events, and the secret feed URLs calendar apps read."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base, TenantOwned, UUIDPrimaryKey, tenant_table_args
from maintainpro.models.work_order import _fk, _nullable_fk

EVENT_KINDS = ("work_order", "pm_occurrence")
FEED_SCOPES = ("user", "organization")


class CalendarEvent(UUIDPrimaryKey, TenantOwned, Base):
    """One scheduled item. Work-order events are written only by the trigger on work_orders
    (`app.sync_work_order_event`), so every write path keeps them in step; the upcoming
    occurrences of a PM schedule only by the scheduler (`pm/calendar.py`)."""

    __tablename__ = "calendar_events"
    __table_args__ = tenant_table_args(
        "calendar_events",
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
        _fk("pm_schedule_id", "pm_schedules", ondelete="CASCADE"),
        _nullable_fk("site_id", "locations"),
        CheckConstraint(f"kind IN {EVENT_KINDS}", name="kind"),
        CheckConstraint("ends_at >= starts_at", name="window"),
        CheckConstraint(
            "(kind = 'pm_occurrence') = (pm_schedule_id IS NOT NULL)", name="pm_schedule_event"
        ),
        UniqueConstraint("organization_id", "kind", "work_order_id"),
        Index("ix_calendar_events_organization_id_starts_at", "organization_id", "starts_at", "id"),
        Index(
            "ix_calendar_events_organization_id_pm_schedule_id",
            "organization_id",
            "pm_schedule_id",
            postgresql_where=text("pm_schedule_id IS NOT NULL"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(16))
    work_order_id: Mapped[UUID | None]
    # An upcoming PM occurrence (kind pm_occurrence): rewritten by the scheduler.
    pm_schedule_id: Mapped[UUID | None]
    title: Mapped[str] = mapped_column(String(240))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    site_id: Mapped[UUID | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CalendarFeed(UUIDPrimaryKey, TenantOwned, Base):
    """A revocable secret URL serving one user's (or, for managers, the organization's)
    calendar without a bearer token. Only the digest of the token is stored."""

    __tablename__ = "calendar_feeds"
    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = tenant_table_args(
        "calendar_feeds",
        _fk("user_id", "users", ondelete="CASCADE"),
        CheckConstraint(f"scope IN {FEED_SCOPES}", name="scope"),
        Index("uq_calendar_feeds_digest", "digest", unique=True),
        Index("ix_calendar_feeds_organization_id_user_id", "organization_id", "user_id"),
    )

    user_id: Mapped[UUID]
    scope: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
