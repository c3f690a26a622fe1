"""Notifications (C6): what a person is told, in the app (and by e-mail where they want it),
and their preferences per type and channel."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base, TenantOwned, UUIDPrimaryKey, tenant_fk, tenant_table_args

NotificationType = Literal[
    "assignment",
    "mention",
    "completion",
    "overdue",
    "escalation",
    "pm_due",
    "low_stock",
    "request_decided",
    "po_approval_needed",
    "webhook_disabled",
    "rule",
]
Channel = Literal["in_app", "email"]
NOTIFICATION_TYPES: tuple[str, ...] = get_args(NotificationType)
CHANNELS: tuple[str, ...] = get_args(Channel)


class Notification(UUIDPrimaryKey, TenantOwned, Base):
    """One message to one user. `event_id` is the outbox event it came from: unique per user,
    so a handler run again after a failure tells no one twice."""

    __tablename__ = "notifications"
    __table_args__ = tenant_table_args(
        "notifications",
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        CheckConstraint(f"type IN {NOTIFICATION_TYPES}", name="type"),
        UniqueConstraint("organization_id", "user_id", "event_id"),
        Index("ix_notifications_organization_id_user_id_id", "organization_id", "user_id", "id"),
        Index(
            "ix_notifications_organization_id_user_id_unread",
            "organization_id",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    user_id: Mapped[UUID]
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[UUID | None]
    event_id: Mapped[UUID | None]
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class NotificationPreference(UUIDPrimaryKey, TenantOwned, Base):
    """A user's choice for one type on one channel; without a row the default applies."""

    __tablename__ = "notification_preferences"
    __table_args__ = tenant_table_args(
        "notification_preferences",
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        CheckConstraint(f"type IN {NOTIFICATION_TYPES}", name="type"),
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        UniqueConstraint("organization_id", "user_id", "type", "channel"),
    )

    user_id: Mapped[UUID]
    type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
