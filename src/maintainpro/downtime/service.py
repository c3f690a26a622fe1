"""Downtime events on assets (C4) and the availability they imply. An event is visible where
its asset is; an asset has at most one open (ongoing) event."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.asset import service as asset_service
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page, aware_datetime
from maintainpro.downtime.schemas import (
    AvailabilityQuery,
    AvailabilityRead,
    DowntimeCreate,
    DowntimeFilter,
    DowntimeRead,
    DowntimeUpdate,
)
from maintainpro.models import Asset, DowntimeEvent, WorkOrder

# Tolerates clock skew between the reporting device and the server.
FUTURE_SKEW = timedelta(minutes=5)
NOT_NULL = frozenset({"started_at", "kind"})
Interval = tuple[datetime, datetime]


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


def _live(organization_id: UUID) -> Select[DowntimeEvent]:
    return select(DowntimeEvent).where(
        DowntimeEvent.organization_id == organization_id, DowntimeEvent.deleted_at.is_(None)
    )


async def get(session: AsyncSession, auth: Authorized, event_id: UUID) -> DowntimeEvent:
    event = await session.scalar(
        _live(auth.principal.organization_id).where(DowntimeEvent.id == event_id)
    )
    if event is None:
        raise NotFound("No such downtime event.")
    try:
        await asset_service.get(session, auth, event.asset_id)
    except NotFound as exc:  # outside the caller's sites: indistinguishable from missing
        raise NotFound("No such downtime event.") from exc
    return event


def _check_times(started: datetime, ended: datetime | None) -> None:
    latest = datetime.now(UTC) + FUTURE_SKEW
    if started > latest:
        raise _invalid("startedAt", "Cannot be more than 5 minutes in the future.", "in_future")
    if ended is None:
        return
    if ended <= started:
        raise _invalid("endedAt", "Must be after startedAt.", "not_after_start")
    if ended > latest:
        raise _invalid("endedAt", "Cannot be more than 5 minutes in the future.", "in_future")


async def _check_no_open(
    session: AsyncSession, organization_id: UUID, asset_id: UUID, *, other_than: UUID | None
) -> None:
    # Locking the asset row serialises concurrent writers, so two open events cannot both pass.
    await session.execute(
        select(Asset.id)
        .where(Asset.organization_id == organization_id, Asset.id == asset_id)
        .with_for_update(key_share=True)
    )
    query = select(DowntimeEvent.id).where(
        DowntimeEvent.organization_id == organization_id,
        DowntimeEvent.asset_id == asset_id,
        DowntimeEvent.ended_at.is_(None),
        DowntimeEvent.deleted_at.is_(None),
    )
    if other_than is not None:
        query = query.where(DowntimeEvent.id != other_than)
    if await session.scalar(query.limit(1)) is not None:
        message = "The asset already has an open downtime event; end it first."
        raise Conflict(message, [FieldError("endedAt", message, "open_exists")])


async def _check_work_order(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID | None
) -> None:
    """The linked work order is a live one of the organization (the foreign key alone would
    answer a bare 409)."""
    if work_order_id is None:
        return
    found = await session.scalar(
        select(WorkOrder.id).where(
            WorkOrder.organization_id == organization_id,
            WorkOrder.id == work_order_id,
            WorkOrder.deleted_at.is_(None),
        )
    )
    if found is None:
        raise _invalid("workOrderId", "The work order does not exist.", "not_found")


async def create(
    session: AsyncSession, auth: Authorized, asset_id: UUID, data: DowntimeCreate
) -> DowntimeEvent:
    asset = await asset_service.get(session, auth, asset_id)
    _check_times(data.started_at, data.ended_at)
    await _check_work_order(session, asset.organization_id, data.work_order_id)
    if data.ended_at is None:
        await _check_no_open(session, asset.organization_id, asset.id, other_than=None)
    event = DowntimeEvent(
        organization_id=asset.organization_id, asset_id=asset.id, **data.model_dump()
    )
    session.add(event)
    await session.flush()
    return event


async def update_event(
    session: AsyncSession,
    auth: Authorized,
    event_id: UUID,
    data: DowntimeUpdate,
    *,
    version: int | None,
) -> DowntimeEvent:
    event = await get(session, auth, event_id)
    check_version(version, event.version, what="downtime event")
    changes = data.model_dump(exclude_unset=True)
    for name in NOT_NULL & changes.keys():
        if changes[name] is None:
            raise _invalid(to_camel(name), "Cannot be null.", "null")
    ended = changes.get("ended_at", event.ended_at)
    if {"started_at", "ended_at"} & changes.keys():
        _check_times(changes.get("started_at", event.started_at), ended)
    if changes.get("work_order_id") is not None:
        await _check_work_order(session, event.organization_id, changes["work_order_id"])
    if ended is None and event.ended_at is not None:  # reopening
        await _check_no_open(session, event.organization_id, event.asset_id, other_than=event.id)
    for name, value in changes.items():
        setattr(event, name, value)
    await session.flush()
    return event


async def delete(session: AsyncSession, auth: Authorized, event_id: UUID) -> None:
    """Soft delete: the event leaves lists and availability; the audit trail keeps it."""
    event = await get(session, auth, event_id)
    event.deleted_at = datetime.now(UTC)
    await session.flush()


NEWEST_FIRST = Keyset(DowntimeEvent.started_at, DowntimeEvent.id, aware_datetime, descending=True)


def _overlapping(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    """Conditions keeping the events that overlap [start, end); an open event has no end."""
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(or_(DowntimeEvent.ended_at.is_(None), DowntimeEvent.ended_at > start))
    if end is not None:
        conditions.append(DowntimeEvent.started_at < end)
    return conditions


async def list_events(
    session: AsyncSession, auth: Authorized, asset_id: UUID, query: DowntimeFilter
) -> Page[DowntimeRead]:
    """Newest first: (started_at, id) descending, keyset on that pair."""
    asset = await asset_service.get(session, auth, asset_id)
    statement = _live(asset.organization_id).where(
        DowntimeEvent.asset_id == asset.id, *_overlapping(query.from_, query.to)
    )
    if query.open is not None:
        ended = DowntimeEvent.ended_at
        statement = statement.where(ended.is_(None) if query.open else ended.is_not(None))
    statement = NEWEST_FIRST.page(statement, query.cursor, query.limit)
    page, next_cursor = NEWEST_FIRST.split(list(await session.scalars(statement)), query.limit)
    return Page(items=[DowntimeRead.model_validate(row) for row in page], next_cursor=next_cursor)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted disjoint intervals covering the same time; overlapping or touching ones join."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _covered(intervals: Iterable[Interval]) -> timedelta:
    return sum((end - start for start, end in merge(intervals)), timedelta())


async def _clipped(
    session: AsyncSession, asset: Asset, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime]]:
    """The asset's events overlapping [start, end), clipped to it; open ones run until now."""
    open_until = min(datetime.now(UTC), end)
    statement = select(DowntimeEvent.kind, DowntimeEvent.started_at, DowntimeEvent.ended_at).where(
        DowntimeEvent.organization_id == asset.organization_id,
        DowntimeEvent.asset_id == asset.id,
        DowntimeEvent.deleted_at.is_(None),
        *_overlapping(start, end),
    )
    clipped = [
        (kind, max(began, start), min(ended if ended is not None else open_until, end))
        for kind, began, ended in await session.execute(statement)
    ]
    return [(kind, began, ended) for kind, began, ended in clipped if ended > began]


async def availability(
    session: AsyncSession, auth: Authorized, asset_id: UUID, query: AvailabilityQuery
) -> AvailabilityRead:
    """Uptime share of [from, to). Overlapping events count once. Where planned and unplanned
    downtime overlap, the split gives the time to unplanned (a fault during planned work is
    still a fault), so planned + unplanned == downtime."""
    asset = await asset_service.get(session, auth, asset_id)
    events = await _clipped(session, asset, query.from_, query.to)
    down = _covered((began, ended) for _, began, ended in events)
    unplanned = _covered((b, e) for kind, b, e in events if kind == "unplanned")
    period = query.to - query.from_
    uptime = period - down
    return AvailabilityRead(
        asset_id=asset.id,
        from_=query.from_,
        to=query.to,
        period_seconds=period.total_seconds(),
        downtime_seconds=down.total_seconds(),
        planned_downtime_seconds=(down - unplanned).total_seconds(),
        unplanned_downtime_seconds=unplanned.total_seconds(),
        uptime_seconds=uptime.total_seconds(),
        availability=round(uptime / period, 6),
    )
