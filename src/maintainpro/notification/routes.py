"""/api/v1/notifications and /api/v1/notification-preferences: the caller's own, for every
role signed in as a person (an API key is refused: a notification is someone's)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from maintainpro.auth.deps import InteractiveSession
from maintainpro.auth.principal import Principal
from maintainpro.core.deps import DbSession
from maintainpro.core.pagination import Page
from maintainpro.notification import service
from maintainpro.notification.schemas import (
    NotificationFilter,
    NotificationRead,
    PreferenceList,
    PreferencesUpdate,
    ReadAll,
    UnreadCount,
)
from maintainpro.notification.stream import Hub

router = APIRouter(tags=["notifications"])
KEEPALIVE_S = 15.0  # a comment line this often keeps proxies from closing an idle stream
STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "text/event-stream: `event: notification` with the notification as"
        " JSON (`id`, `type`, `title`, `entityType`, `entityId`, `createdAt`) for each one"
        " committed for the caller; comment lines keep the connection alive.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/notifications")
async def list_notifications(
    principal: InteractiveSession,
    session: DbSession,
    query: Annotated[NotificationFilter, Query()],
) -> Page[NotificationRead]:
    """Newest first; `unread=true` for the unread ones only."""
    return await service.list_mine(session, principal, query)


@router.get("/notifications/unread-count")
async def unread_count(principal: InteractiveSession, session: DbSession) -> UnreadCount:
    return await service.unread(session, principal)


@router.post("/notifications/{notification_id}/read")
async def read_notification(
    notification_id: UUID, principal: InteractiveSession, session: DbSession
) -> NotificationRead:
    return await service.mark_read(session, principal, notification_id)


@router.post("/notifications/read-all")
async def read_all(principal: InteractiveSession, session: DbSession) -> ReadAll:
    return await service.mark_all_read(session, principal)


@router.get("/notifications/stream", response_class=StreamingResponse, responses=STREAM_DOC)
async def stream(request: Request, principal: InteractiveSession) -> StreamingResponse:
    """Server-Sent Events of the caller's new notifications, as they commit. Send the bearer
    token as for any call (a fetch-based event-source client)."""
    hub: Hub = request.app.state.notification_hub
    lifetime = request.app.state.settings.auth.access_token_ttl_s
    return StreamingResponse(
        _events(hub, principal, lifetime),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(hub: Hub, principal: Principal, lifetime_s: float) -> AsyncIterator[bytes]:
    """Ends after an access token's lifetime: the client reconnects with a fresh token, so a
    revoked session stops hearing within that time, as it stops being served."""
    ends = time.monotonic() + lifetime_s
    async with hub.subscribed(principal.organization_id, principal.user_id) as queue:
        yield b": connected\n\n"
        while (left := ends - time.monotonic()) > 0:
            try:
                event = await asyncio.wait_for(queue.get(), min(KEEPALIVE_S, left))
            except TimeoutError:
                await hub.listen()  # reconnects after a lost connection
                yield b": keep-alive\n\n"
                continue
            head = f"event: notification\nid: {event['id']}\ndata: ".encode()
            yield head + orjson.dumps(event) + b"\n\n"


@router.get("/notification-preferences")
async def get_preferences(principal: InteractiveSession, session: DbSession) -> PreferenceList:
    """Every type on each channel (`in_app`, `email`), the caller's choice or the default."""
    return await service.preferences(session, principal)


@router.put("/notification-preferences")
async def put_preferences(
    body: PreferencesUpdate, principal: InteractiveSession, session: DbSession
) -> PreferenceList:
    return await service.set_preferences(session, principal, body)
