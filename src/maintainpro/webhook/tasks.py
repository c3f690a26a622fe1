"""Webhook jobs: the fan-out of each public outbox event to the subscriptions that hear it
(one statement, once per subscription and event), and the attempt job with its backoff."""

from __future__ import annotations

from typing import get_args
from uuid import UUID

import orjson
import procrastinate
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import OutboxEvent
from maintainpro.outbox import handlers
from maintainpro.webhook import delivery, service
from maintainpro.webhook.schemas import EventType

blueprint = procrastinate.Blueprint()
ATTEMPTS_CAP = 20  # the setting's own bound; the attempt itself stops at the setting

_FAN_OUT = text("""
INSERT INTO webhook_deliveries (id, organization_id, subscription_id, event_id, event_type,
                                payload)
SELECT app.uuidv7(), s.organization_id, s.id, :event, CAST(:type AS varchar),
       CAST(:payload AS jsonb)
FROM webhook_subscriptions s
WHERE s.organization_id = :org AND s.enabled AND s.deleted_at IS NULL
  AND CAST(:type AS varchar) = ANY(s.events)
ON CONFLICT (organization_id, subscription_id, event_id) DO NOTHING
RETURNING id
""")


def payload_of(event: OutboxEvent) -> dict[str, object]:
    """`data` of the message: which event, about what, and the event's own payload."""
    return {
        "eventId": str(event.id),
        "entityType": event.entity_type,
        "entityId": str(event.entity_id),
        "occurredAt": event.occurred_at.isoformat(),
        **event.payload,
    }


async def fan_out(session: AsyncSession, event: OutboxEvent) -> None:
    params = {
        "org": event.organization_id,
        "event": event.id,
        "type": event.event_type,
        "payload": orjson.dumps(payload_of(event)).decode(),
    }
    made = list(await session.scalars(_FAN_OUT, params))
    await service.defer(session, event.organization_id, made)


for _event_type in get_args(EventType):
    handlers.subscribe(_event_type)(fan_out)


@blueprint.task(
    name="deliver",
    queue=service.DELIVER_QUEUE,
    pass_context=True,
    retry=delivery.Backoff(ATTEMPTS_CAP),
)
async def deliver_task(
    job: procrastinate.JobContext, organization_id: str, delivery_id: str
) -> bool:
    extra = job.additional_context
    done = await delivery.attempt(
        extra["database"], extra["settings"], UUID(organization_id), UUID(delivery_id)
    )
    if not done:
        raise delivery.AttemptFailed(f"delivery {delivery_id} failed; retried later")
    return True
