"""/api/v1/webhooks on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema

# The events a subscription may hear: the public contract of the outbox (see the document).
EventType = Literal[
    "work_order.created",
    "work_order.status_changed",
    "work_order.comment_added",
    "part.low_stock",
    "purchase_order.approval_needed",
    "pm.occurrence_created",
    "work_order.escalated",
    "request.decided",
]
TEST_EVENT = "webhook.test"
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2000)]
Events = Annotated[list[EventType], Field(min_length=1, max_length=50)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class WebhookCreate(WriteSchema):
    url: Url
    events: Events
    description: Description | None = None


class WebhookUpdate(WriteSchema):
    """PATCH: the keys sent change; `enabled: true` re-enables and clears the failure run."""

    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: bool | None = None


class WebhookRead(ReadSchema):
    id: UUID
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    failure_run: int
    created_at: datetime
    updated_at: datetime
    version: int


class WebhookCreated(WebhookRead):
    # Shown once: the receiver verifies signatures with it.
    secret: str


class AttemptRead(ReadSchema):
    attempt: int
    status_code: int | None
    error: str | None
    latency_ms: int
    attempted_at: datetime


class DeliveryRead(ReadSchema):
    id: UUID
    subscription_id: UUID
    event_id: UUID | None
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRead] = []


class DeliveryFilter(PageQuery):
    status: Literal["pending", "succeeded", "failed"] | None = None
