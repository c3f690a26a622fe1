"""Webhook subscriptions (admins), their delivery log, test events and replays. Fan-out from
the outbox is `tasks.py`'s; an attempt is `delivery.py`'s."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import keys
from maintainpro.auth.principal import Authorized
from maintainpro.config import Settings
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page, PageQuery, rows_by_id
from maintainpro.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from maintainpro.outbox import service as outbox_service
from maintainpro.webhook import signing, targets
from maintainpro.webhook.schemas import (
    TEST_EVENT,
    AttemptRead,
    DeliveryFilter,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

DELIVER_QUEUE, DELIVER_TASK = "webhooks", "webhooks:deliver"
NEWEST_FIRST = Keyset(WebhookDelivery.id, WebhookDelivery.id, UUID, descending=True)


async def _checked_url(settings: Settings, url: str) -> str:
    try:
        await targets.resolve(url, settings.webhooks.allow_private_targets)
    except targets.TargetRefused as exc:
        raise ValidationFailed(str(exc), [FieldError("url", str(exc), exc.code)]) from exc
    return url


async def get(
    session: AsyncSession, auth: Authorized, webhook_id: UUID, *, lock: bool = False
) -> WebhookSubscription:
    statement = select(WebhookSubscription).where(
        WebhookSubscription.organization_id == auth.principal.organization_id,
        WebhookSubscription.id == webhook_id,
        WebhookSubscription.deleted_at.is_(None),
    )
    found = await session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        raise NotFound("No such webhook.")
    return found


async def create(
    session: AsyncSession, settings: Settings, auth: Authorized, data: WebhookCreate
) -> WebhookCreated:
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        organization_id=auth.principal.organization_id,
        url=await _checked_url(settings, data.url),
        events=list(dict.fromkeys(data.events)),
        description=data.description,
        secret_encrypted=keys.encrypt(settings.auth, secret),
    )
    session.add(subscription)
    await session.flush()
    shown = WebhookRead.model_validate(subscription).model_dump(by_alias=False)
    return WebhookCreated.model_validate({**shown, "secret": secret})


async def update(
    session: AsyncSession,
    settings: Settings,
    auth: Authorized,
    webhook_id: UUID,
    data: WebhookUpdate,
    *,
    version: int | None,
) -> WebhookRead:
    subscription = await get(session, auth, webhook_id, lock=True)
    check_version(version, subscription.version, what="webhook")
    changes = data.model_dump(exclude_unset=True)
    for name in ("url", "events", "enabled"):
        if name in changes and changes[name] is None:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
    if data.url is not None:
        subscription.url = await _checked_url(settings, data.url)
    if data.events is not None:
        subscription.events = list(dict.fromkeys(data.events))
    if "description" in changes:
        subscription.description = data.description
    if data.enabled is not None:
        subscription.enabled = data.enabled
        if data.enabled:
            subscription.failure_run, subscription.disabled_reason = 0, None
        else:
            subscription.disabled_reason = "disabled by hand"
    await session.flush()
    return WebhookRead.model_validate(subscription)


async def remove(session: AsyncSession, auth: Authorized, webhook_id: UUID) -> None:
    subscription = await get(session, auth, webhook_id, lock=True)
    subscription.deleted_at, subscription.enabled = datetime.now(UTC), False
    await session.flush()


async def list_webhooks(
    session: AsyncSession, auth: Authorized, query: PageQuery
) -> Page[WebhookRead]:
    statement = select(WebhookSubscription).where(
        WebhookSubscription.organization_id == auth.principal.organization_id,
        WebhookSubscription.deleted_at.is_(None),
    )
    rows, next_cursor = await rows_by_id(session, statement, WebhookSubscription.id, query)
    return Page(items=[WebhookRead.model_validate(r) for r in rows], next_cursor=next_cursor)


async def deliveries(
    session: AsyncSession, auth: Authorized, webhook_id: UUID, query: DeliveryFilter
) -> Page[DeliveryRead]:
    """Newest first, each with its attempts (one query for the page's attempts)."""
    subscription = await get(session, auth, webhook_id)
    statement = select(WebhookDelivery).where(
        WebhookDelivery.organization_id == subscription.organization_id,
        WebhookDelivery.subscription_id == subscription.id,
    )
    if query.status is not None:
        statement = statement.where(WebhookDelivery.status == query.status)
    rows = list(await session.scalars(NEWEST_FIRST.page(statement, query.cursor, query.limit)))
    page, next_cursor = NEWEST_FIRST.split(rows, query.limit)
    log = await _attempts(session, subscription.organization_id, [d.id for d in page])
    items = [
        DeliveryRead.model_validate(d).model_copy(update={"attempt_log": log.get(d.id, [])})
        for d in page
    ]
    return Page(items=items, next_cursor=next_cursor)


async def _attempts(
    session: AsyncSession, organization_id: UUID, delivery_ids: list[UUID]
) -> dict[UUID, list[AttemptRead]]:
    found: dict[UUID, list[AttemptRead]] = {}
    if not delivery_ids:
        return found
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(
            WebhookAttempt.organization_id == organization_id,
            WebhookAttempt.delivery_id.in_(delivery_ids),
        )
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
    )
    for row in rows:
        found.setdefault(row.delivery_id, []).append(AttemptRead.model_validate(row))
    return found


async def defer(session: AsyncSession, organization_id: UUID, delivery_ids: list[UUID]) -> None:
    """An attempt job per delivery, existing if and only if the caller's transaction commits."""
    jobs = [{"organization_id": str(organization_id), "delivery_id": str(d)} for d in delivery_ids]
    if jobs:
        await outbox_service.defer_jobs(session, DELIVER_QUEUE, DELIVER_TASK, jobs)


async def send_test(session: AsyncSession, auth: Authorized, webhook_id: UUID) -> DeliveryRead:
    subscription = await get(session, auth, webhook_id)
    delivery = WebhookDelivery(
        organization_id=subscription.organization_id,
        subscription_id=subscription.id,
        event_type=TEST_EVENT,
        payload={"message": "A test event from MaintAInPro.", "webhookId": str(subscription.id)},
    )
    session.add(delivery)
    await session.flush()
    await defer(session, subscription.organization_id, [delivery.id])
    return DeliveryRead.model_validate(delivery)


async def replay(session: AsyncSession, auth: Authorized, delivery_id: UUID) -> DeliveryRead:
    """Sends a delivery again (however it ended), as a next attempt of the same message."""
    delivery = await session.scalar(
        select(WebhookDelivery)
        .join(
            WebhookSubscription,
            (WebhookSubscription.organization_id == WebhookDelivery.organization_id)
            & (WebhookSubscription.id == WebhookDelivery.subscription_id),
        )
        .where(
            WebhookDelivery.organization_id == auth.principal.organization_id,
            WebhookDelivery.id == delivery_id,
            WebhookSubscription.deleted_at.is_(None),
        )
        .with_for_update(of=WebhookDelivery)
    )
    if delivery is None:
        raise NotFound("No such delivery.")
    delivery.status = "pending"
    await session.flush()
    await defer(session, delivery.organization_id, [delivery.id])
    return DeliveryRead.model_validate(delivery)
