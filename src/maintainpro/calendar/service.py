"""Calendar of scheduled work (C3): events (kept in step with work orders by a trigger),
iCalendar documents and the secret feed URLs calendar apps poll (D4)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Action, Resource, Scope, scope_for
from maintainpro.auth.principal import Authorized, Principal, find_live_user
from maintainpro.calendar import ical
from maintainpro.config import Settings
from maintainpro.core import context, tokens
from maintainpro.core.db import apply_context
from maintainpro.core.errors import NotFound, PermissionDenied
from maintainpro.models import CalendarEvent, CalendarFeed, Organization, WorkOrder
from maintainpro.work_order.repository import assigned_to

FEED_KIND = "calfeed"
FEED_PATH = "/public/calendar/"
# A feed carries the recent past and the coming year, at most this many events.
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=366)
MAX_EVENTS = 2000
PRODID = "-//MaintAInPro//Calendar//EN"
ONE_DAY = timedelta(days=1)


def _check_scope(auth: Authorized, scope: str) -> None:
    if scope == "organization" and auth.scope is not Scope.ALL:
        raise PermissionDenied("Only managers and admins see the organization's calendar.")


def events_statement(
    principal: Principal, scope: str, start: datetime, end: datetime
) -> Select[CalendarEvent]:
    """Events overlapping [start, end), earliest first: the caller's assigned work, or every
    event of the organization."""
    statement = select(CalendarEvent).where(
        CalendarEvent.organization_id == principal.organization_id,
        CalendarEvent.starts_at < end,
        CalendarEvent.ends_at >= start,
    )
    if scope == "user":
        # The caller's work orders lead: their events are found through the unique key
        # (organization_id, kind, work_order_id), never by walking the organization's window.
        statement = (
            statement.where(CalendarEvent.kind == "work_order")
            .join(
                WorkOrder,
                (WorkOrder.organization_id == CalendarEvent.organization_id)
                & (WorkOrder.id == CalendarEvent.work_order_id),
            )
            .where(
                assigned_to(
                    bindparam("me", principal.user_id, type_=Uuid()),
                    bindparam("org", principal.organization_id, type_=Uuid()),
                )
            )
        )
    return statement.order_by(CalendarEvent.starts_at, CalendarEvent.id).limit(MAX_EVENTS)


async def events(
    session: AsyncSession,
    principal: Principal,
    scope: str,
    start: datetime,
    end: datetime,
) -> Sequence[CalendarEvent]:
    return list(await session.scalars(events_statement(principal, scope, start, end)))


async def list_events(
    session: AsyncSession, auth: Authorized, scope: str, start: datetime, end: datetime
) -> Sequence[CalendarEvent]:
    _check_scope(auth, scope)
    return await events(session, auth.principal, scope, start, end)


async def _timezone(session: AsyncSession, organization_id: UUID) -> ZoneInfo:
    name = await session.scalar(
        select(Organization.timezone).where(Organization.id == organization_id)
    )
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _day(moment: datetime, zone: ZoneInfo) -> date:
    """An all-day event falls on its due date as the organization's clock shows it."""
    return moment.astimezone(zone).date()


# What a feed shows of an event: its columns alone, not ORM objects (a feed has up to 2,000).
_FEED_COLUMNS = (
    CalendarEvent.id,
    CalendarEvent.title,
    CalendarEvent.updated_at,
    CalendarEvent.all_day,
    CalendarEvent.starts_at,
    CalendarEvent.ends_at,
)


async def ics(session: AsyncSession, principal: Principal, scope: str) -> bytes:
    now = datetime.now(UTC)
    statement = events_statement(principal, scope, now - FEED_PAST, now + FEED_AHEAD)
    rows = await session.execute(statement.with_only_columns(*_FEED_COLUMNS))
    zone = await _timezone(session, principal.organization_id)
    feed = []
    for event_id, title, updated_at, all_day, starts_at, ends_at in rows:
        uid = f"{event_id}@maintainpro"
        if all_day:
            day = _day(starts_at, zone)
            feed.append(ical.Event(uid, title, updated_at, day, day + ONE_DAY))
        else:
            feed.append(ical.Event(uid, title, updated_at, starts_at, ends_at))
    name = "MaintAInPro: organization" if scope == "organization" else "MaintAInPro: my work"
    return ical.document(PRODID, name, feed)


async def caller_ics(session: AsyncSession, auth: Authorized, scope: str) -> bytes:
    _check_scope(auth, scope)
    return await ics(session, auth.principal, scope)


def feed_url(settings: Settings, token: tokens.OpaqueToken) -> str:
    return f"{settings.http.public_url.rstrip('/')}{FEED_PATH}{token}.ics"


async def create_feed(
    session: AsyncSession, settings: Settings, auth: Authorized, scope: str
) -> tuple[CalendarFeed, str]:
    """The feed and its URL; the URL exists only in this return value."""
    principal = auth.principal
    if not principal.is_interactive:
        # Like API keys: a leaked key must not mint URLs that outlive its revocation.
        raise PermissionDenied("An API key cannot create calendar feeds; sign in as a user.")
    _check_scope(auth, scope)
    token = tokens.issue(FEED_KIND, principal.organization_id)
    feed = CalendarFeed(
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        scope=scope,
        digest=token.digest,
    )
    session.add(feed)
    await session.flush()
    return feed, feed_url(settings, token)


async def list_feeds(session: AsyncSession, auth: Authorized) -> Sequence[CalendarFeed]:
    """The caller's live feeds (their URLs are not kept, only their ids)."""
    principal = auth.principal
    return list(
        await session.scalars(
            select(CalendarFeed)
            .where(
                CalendarFeed.organization_id == principal.organization_id,
                CalendarFeed.user_id == principal.user_id,
                CalendarFeed.revoked_at.is_(None),
            )
            .order_by(CalendarFeed.id)
        )
    )


async def revoke_feed(session: AsyncSession, auth: Authorized, feed_id: UUID) -> None:
    """The caller's own feed; its URL answers 404 from now on."""
    principal = auth.principal
    feed = await session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.organization_id == principal.organization_id,
            CalendarFeed.id == feed_id,
            CalendarFeed.user_id == principal.user_id,
            CalendarFeed.revoked_at.is_(None),
        )
    )
    if feed is None:
        raise NotFound("No such calendar feed.")
    feed.revoked_at = datetime.now(UTC)
    await session.flush()


GONE = "No such calendar feed (it may have been revoked)."


async def feed_ics(session: AsyncSession, value: str) -> bytes:
    """The calendar a feed URL serves, as its owner sees it today: a deactivated owner, or one
    who lost the organization-wide view, ends the feed."""
    token = tokens.parse(value, kind=FEED_KIND)
    if token is None:
        raise NotFound(GONE)
    org = token.organization_id
    context.bind(organization_id=org, user_id=None)
    await apply_context(session)
    feed = await session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.organization_id == org,
            CalendarFeed.digest == token.digest,
            CalendarFeed.revoked_at.is_(None),
        )
    )
    if feed is None or not tokens.matches(token, feed.digest):
        raise NotFound(GONE)
    owner = await find_live_user(session, org, feed.user_id)
    if owner is None:
        raise NotFound(GONE)
    if feed.scope == "organization" and (
        scope_for(owner.role, Resource.WORK_ORDER, Action.READ) is not Scope.ALL
    ):
        raise NotFound(GONE)
    principal = Principal(owner.id, org, owner.role, frozenset())
    return await ics(session, principal, feed.scope)
