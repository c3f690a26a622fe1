"""/api/v1/webhooks (C6): an organization's admins subscribe URLs to its events."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.pagination import Page, PageQuery
from maintainpro.webhook import service
from maintainpro.webhook.schemas import (
    DeliveryFilter,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

CanRead = Annotated[Authorized, Depends(permission(Resource.WEBHOOK, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.WEBHOOK, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.WEBHOOK, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.WEBHOOK, Action.DELETE))]


@router.get("")
async def list_webhooks(
    auth: CanRead, session: DbSession, query: Annotated[PageQuery, Query()]
) -> Page[WebhookRead]:
    return await service.list_webhooks(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate, auth: CanCreate, session: DbSession, settings: AppSettings
) -> WebhookCreated:
    """Subscribes `url` to `events`; the answer carries the signing `secret`, shown only here.
    The URL must resolve to public addresses (private ones only where the installation allows
    them)."""
    return await service.create(session, settings, auth, body)


@router.get("/{webhook_id}")
async def get_webhook(
    webhook_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> WebhookRead:
    found = WebhookRead.model_validate(await service.get(session, auth, webhook_id))
    set_etag(response, found.version)
    return found


@router.patch("/{webhook_id}")
async def update_webhook(
    webhook_id: UUID,
    body: WebhookUpdate,
    auth: CanUpdate,
    session: DbSession,
    settings: AppSettings,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookRead:
    updated = await service.update(
        session, settings, auth, webhook_id, body, version=expected_version(if_match)
    )
    set_etag(response, updated.version)
    return updated


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await service.remove(session, auth, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries")
async def list_deliveries(
    webhook_id: UUID,
    auth: CanRead,
    session: DbSession,
    query: Annotated[DeliveryFilter, Query()],
) -> Page[DeliveryRead]:
    """The delivery log, newest first: each delivery with every attempt (status code or error,
    latency)."""
    return await service.deliveries(session, auth, webhook_id, query)


@router.post("/{webhook_id}/test", status_code=status.HTTP_202_ACCEPTED)
async def send_test_event(webhook_id: UUID, auth: CanUpdate, session: DbSession) -> DeliveryRead:
    """Queues a `webhook.test` event for this subscription; its outcome shows in the log."""
    return await service.send_test(session, auth, webhook_id)


@router.post("/deliveries/{delivery_id}/replay", status_code=status.HTTP_202_ACCEPTED)
async def replay_delivery(delivery_id: UUID, auth: CanUpdate, session: DbSession) -> DeliveryRead:
    """Sends the delivery again, as the next attempt of the same message (same `webhook-id`)."""
    return await service.replay(session, auth, delivery_id)
