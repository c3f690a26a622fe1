"""/api/v1/calendar: scheduled work as JSON events and iCalendar, and secret feed URLs; the
feed URL itself (`/public/calendar/{token}.ics`) needs no bearer token."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.calendar import service
from maintainpro.calendar.schemas import (
    EventList,
    EventQuery,
    EventRead,
    FeedCreate,
    FeedCreated,
    FeedRead,
    ScopeQuery,
)
from maintainpro.core.db import transaction
from maintainpro.core.deps import AppDatabase, AppSettings, DbSession
from maintainpro.core.openapi import TEXT, media

router = APIRouter(tags=["calendar"])
public_router = APIRouter(prefix="/public/calendar", tags=["public"])

# The calendar is a view of work orders: whoever reads work orders reads its calendar.
CanRead = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.READ))]
ICALENDAR = "text/calendar; charset=utf-8"
ICS = media({"text/calendar": TEXT})


def _ics(body: bytes) -> Response:
    # Calendar apps poll; nothing in a feed may be cached by an intermediary.
    return Response(body, media_type=ICALENDAR, headers={"Cache-Control": "private, no-store"})


@router.get("/calendar.ics", response_class=Response, responses=ICS)
async def get_calendar_ics(
    auth: CanRead, session: DbSession, query: Annotated[ScopeQuery, Query()]
) -> Response:
    """The caller's scheduled work (or, `scope=organization`, everyone's) from 90 days back to
    a year ahead."""
    return _ics(await service.caller_ics(session, auth, query.scope))


@router.get("/calendar/events")
async def list_calendar_events(
    auth: CanRead, session: DbSession, query: Annotated[EventQuery, Query()]
) -> EventList:
    """Events overlapping [from, to), earliest first (the web calendar)."""
    rows = await service.list_events(session, auth, query.scope, query.from_, query.to)
    return EventList(items=[EventRead.model_validate(row) for row in rows])


@router.post("/calendar/feeds", status_code=status.HTTP_201_CREATED)
async def create_calendar_feed(
    body: FeedCreate, auth: CanRead, session: DbSession, settings: AppSettings, response: Response
) -> FeedCreated:
    """A secret URL that serves the calendar without a bearer token, for calendar apps. The
    URL is shown once."""
    feed, url = await service.create_feed(session, settings, auth, body.scope)
    response.headers["Cache-Control"] = "no-store"  # the body carries the secret
    return FeedCreated(id=feed.id, url=url)


@router.get("/calendar/feeds")
async def list_calendar_feeds(auth: CanRead, session: DbSession) -> list[FeedRead]:
    """The caller's live feeds, to find the one to revoke."""
    return [FeedRead.model_validate(feed) for feed in await service.list_feeds(session, auth)]


@router.delete("/calendar/feeds/{feed_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_calendar_feed(feed_id: UUID, auth: CanRead, session: DbSession) -> Response:
    """The feed's URL answers 404 from now on."""
    await service.revoke_feed(session, auth, feed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public_router.get(
    "/{token}.ics",
    response_class=Response,
    responses={**ICS, 404: {"description": "No such feed, or it was revoked."}},
)
async def get_calendar_feed(token: str, database: AppDatabase) -> Response:
    async with transaction(database.sessions) as session:
        return _ics(await service.feed_ics(session, token))
