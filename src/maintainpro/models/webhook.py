"""Webhooks (C6): an organization's subscriptions to its events, each event's delivery to each
subscription, and every attempt at it (the delivery log)."""

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
    UniqueConstraint,
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

DELIVERY_STATUSES = ("pending", "succeeded", "failed")


class WebhookSubscription(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A target URL and the event types it hears. The signing secret is stored encrypted with
    the installation key (it must be read to sign; it is shown once, on create)."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = tenant_table_args(
        "webhook_subscriptions",
        CheckConstraint("failure_run >= 0", name="failure_run_not_negative"),
        Index(
            "ix_webhook_subscriptions_organization_id_live",
            "organization_id",
            postgresql_where=text("enabled AND deleted_at IS NULL"),
        ),
    )

    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    description: Mapped[str | None] = mapped_column(String(500))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    # Failed attempts in a row; the subscription is disabled when it reaches the setting.
    failure_run: Mapped[int] = mapped_column(Integer, server_default="0", default=0)


class WebhookDelivery(UUIDPrimaryKey, TenantOwned, Base):
    """One event for one subscription; its id is the `webhook-id` the receiver sees on every
    attempt (so it can deduplicate). Unique per subscription and event: fanning out twice
    delivers once."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = tenant_table_args(
        "webhook_deliveries",
        tenant_fk("subscription_id", "webhook_subscriptions", ondelete="CASCADE"),
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status"),
        UniqueConstraint("organization_id", "subscription_id", "event_id"),
        Index(
            "ix_webhook_deliveries_organization_id_subscription_id_id",
            "organization_id",
            "subscription_id",
            "id",
        ),
    )

    subscription_id: Mapped[UUID]
    event_id: Mapped[UUID | None]
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), server_default="pending", default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(UUIDPrimaryKey, TenantOwned, Base):
    """One try: when, what came back (status code or error) and how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = tenant_table_args(
        "webhook_attempts",
        tenant_fk("delivery_id", "webhook_deliveries", ondelete="CASCADE"),
        Index(
            "ix_webhook_attempts_organization_id_delivery_id",
            "organization_id",
            "delivery_id",
            "attempt",
        ),
    )

    delivery_id: Mapped[UUID]
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    latency_ms: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(server_default=func.now())
