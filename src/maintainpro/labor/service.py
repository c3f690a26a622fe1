"""Labor entries on a work order (C3): the list with its per-person totals, manual entries,
edits and deletes. Reading needs READ on the work order, writing UPDATE (a technician: work
assigned to them); a person changes their own entries, supervisors and above anyone's.

Every write locks the work order row first, as a status change does: the roll-up trigger
(revision 0013) locks it too, so taking it up front keeps one lock order (work order, then
entries) on every path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import (
    FieldError,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, PageQuery, aware_datetime
from maintainpro.labor import rates
from maintainpro.labor.schemas import (
    LaborCreate,
    LaborEntryRead,
    LaborPage,
    LaborUpdate,
    PersonLabor,
)
from maintainpro.models import LaborEntry
from maintainpro.work_order import service as work_order_service
from maintainpro.work_order.machine import SUPERVISORS

# Tolerates clock skew between the reporting device and the server.
FUTURE_SKEW = timedelta(minutes=5)
MAX_ENTRY = timedelta(hours=24)
OLDEST_FIRST = Keyset(LaborEntry.started_at, LaborEntry.id, aware_datetime)


def _invalid(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


def live(organization_id: UUID) -> Select[LaborEntry]:
    return select(LaborEntry).where(
        LaborEntry.organization_id == organization_id, LaborEntry.deleted_at.is_(None)
    )


async def list_entries(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, query: PageQuery
) -> LaborPage:
    work_order = await work_order_service.read(session, auth, work_order_id)
    on_it = live(work_order.organization_id).where(LaborEntry.work_order_id == work_order.id)
    statement = OLDEST_FIRST.page(on_it, query.cursor, query.limit)
    page, next_cursor = OLDEST_FIRST.split(list(await session.scalars(statement)), query.limit)
    return LaborPage(
        items=[LaborEntryRead.model_validate(row) for row in page],
        next_cursor=next_cursor,
        people=await _people(session, work_order.organization_id, work_order.id),
    )


async def _people(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID
) -> list[PersonLabor]:
    """Per person: finished entries and their sums (what the work order's roll-up sums), and
    whether a timer of theirs runs on the work order."""
    finished = LaborEntry.ended_at.is_not(None)
    rows = await session.execute(
        select(
            LaborEntry.user_id,
            func.count().filter(finished).label("entries"),
            func.coalesce(func.sum(LaborEntry.hours), 0).label("hours"),
            func.coalesce(func.sum(LaborEntry.cost), 0).label("cost"),
            func.bool_or(case((finished, False), else_=True)).label("running"),
        )
        .where(
            LaborEntry.organization_id == organization_id,
            LaborEntry.work_order_id == work_order_id,
            LaborEntry.deleted_at.is_(None),
        )
        .group_by(LaborEntry.user_id)
        .order_by(LaborEntry.user_id)
    )
    return [PersonLabor.model_validate(row) for row in rows]


def check_span(started: datetime, ended: datetime) -> None:
    """A finished entry: ends after it starts, not in the future, at most a day long."""
    if ended <= started:
        raise _invalid("endedAt", "Must be after startedAt.", "not_after_start")
    if ended > datetime.now(UTC) + FUTURE_SKEW:
        raise _invalid("endedAt", "Cannot be in the future.", "in_future")
    if ended - started > MAX_ENTRY:
        raise _invalid("endedAt", "An entry spans at most 24 hours.", "too_long")


def _span(data: LaborCreate) -> tuple[datetime, datetime]:
    if data.hours is not None:
        if data.ended_at is not None:
            raise _invalid("hours", "Give endedAt or hours, not both.", "conflicting")
        length = timedelta(hours=float(data.hours))
        start = data.started_at or datetime.now(UTC) - length
        return start, start + length
    if data.started_at is None or data.ended_at is None:
        field = "startedAt" if data.started_at is None else "endedAt"
        raise _invalid(field, "Give startedAt and endedAt, or hours.", "missing")
    return data.started_at, data.ended_at


async def create(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, data: LaborCreate
) -> LaborEntry:
    principal = auth.principal
    user_id = data.user_id or principal.user_id
    if user_id != principal.user_id and principal.role not in SUPERVISORS:
        raise _invalid("userId", "Only supervisors and above record others' time.", "not_allowed")
    started, ended = _span(data)
    check_span(started, ended)
    work_order = await work_order_service.read(session, auth, work_order_id, lock=True)
    priced = await rates.resolve(session, principal.organization_id, user_id, data.craft_id)
    entry = LaborEntry(
        organization_id=principal.organization_id,
        work_order_id=work_order.id,
        user_id=user_id,
        craft_id=priced.craft_id,
        hourly_rate=priced.hourly_rate,
        started_at=started,
        ended_at=ended,
        note=data.note,
        source="manual",
    )
    session.add(entry)
    await session.flush()
    return entry


async def get(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, entry_id: UUID, *, lock: bool
) -> LaborEntry:
    """An entry of a work order the caller may see (with `lock`: change)."""
    work_order = await work_order_service.read(session, auth, work_order_id, lock=lock)
    entry = await session.scalar(
        live(work_order.organization_id).where(
            LaborEntry.work_order_id == work_order.id, LaborEntry.id == entry_id
        )
    )
    if entry is None:
        raise NotFound("No such labor entry.")
    return entry


async def _editable(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, entry_id: UUID
) -> LaborEntry:
    entry = await get(session, auth, work_order_id, entry_id, lock=True)
    principal = auth.principal
    if entry.user_id != principal.user_id and principal.role not in SUPERVISORS:
        raise PermissionDenied("Only supervisors and above change others' labor entries.")
    return entry


def _new_span(entry: LaborEntry, changes: dict[str, object]) -> tuple[datetime, datetime | None]:
    start = changes.get("started_at", entry.started_at)
    assert isinstance(start, datetime)
    hours = changes.get("hours")
    if isinstance(hours, Decimal):
        if "ended_at" in changes:
            raise _invalid("hours", "Give endedAt or hours, not both.", "conflicting")
        return start, start + timedelta(hours=float(hours))
    end = changes.get("ended_at", entry.ended_at)
    assert end is None or isinstance(end, datetime)
    return start, end


async def update(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    entry_id: UUID,
    data: LaborUpdate,
    *,
    version: int | None,
) -> LaborEntry:
    entry = await _editable(session, auth, work_order_id, entry_id)
    check_version(version, entry.version, what="labor entry")
    changes = data.model_dump(exclude_unset=True)
    for name in ("started_at", "ended_at", "hours"):
        if name in changes and changes[name] is None:
            raise _invalid(to_camel(name), "Cannot be null.", "null")
    if entry.ended_at is None and {"ended_at", "hours"} & changes.keys():
        raise InvalidState("The timer is running: stop it through /labor/timer/stop.")
    started, ended = _new_span(entry, changes)
    if {"started_at", "ended_at", "hours"} & changes.keys():
        if ended is not None:
            check_span(started, ended)
        elif started > datetime.now(UTC) + FUTURE_SKEW:
            raise _invalid("startedAt", "Cannot be in the future.", "in_future")
    if started != entry.started_at:
        entry.started_at = started
    if ended != entry.ended_at:
        entry.ended_at = ended
    if "note" in changes:
        entry.note = data.note
    await session.flush()
    return entry


async def delete(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, entry_id: UUID
) -> None:
    """Soft delete: the entry leaves the list and the roll-up; the audit trail keeps it."""
    entry = await _editable(session, auth, work_order_id, entry_id)
    entry.deleted_at = datetime.now(UTC)
    await session.flush()
