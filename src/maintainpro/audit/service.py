"""Reading the audit trail (C7): filtered, newest first, keyset-paginated, exportable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from uuid import UUID

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.audit.schemas import ActivityLogCriteria, ActivityLogFilter, ActivityLogRead
from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.core.pagination import Page, decode_cursor, encode_cursor
from maintainpro.models import ActivityLog

EXPORT_LIMIT = 100_000  # rows per export; narrow the filters for more
EXPORT_BATCH = 1000


def _matching(organization_id: UUID, criteria: ActivityLogCriteria) -> Select[ActivityLog]:
    query = select(ActivityLog).where(ActivityLog.organization_id == organization_id)
    for column, value in (
        (ActivityLog.entity_type, criteria.entity_type),
        (ActivityLog.entity_id, criteria.entity_id),
        (ActivityLog.actor_id, criteria.actor_id),
        (ActivityLog.action, criteria.action),
    ):
        if value is not None:
            query = query.where(column == value)
    if criteria.since is not None:
        query = query.where(ActivityLog.occurred_at >= criteria.since)
    if criteria.until is not None:
        query = query.where(ActivityLog.occurred_at < criteria.until)
    return query


def _after(
    query: Select[ActivityLog], occurred_at: datetime, entry_id: UUID
) -> Select[ActivityLog]:
    key = tuple_(ActivityLog.occurred_at, ActivityLog.id)
    return query.where(key < tuple_(occurred_at, entry_id))


def _newest_first(query: Select[ActivityLog], limit: int) -> Select[ActivityLog]:
    return query.order_by(ActivityLog.occurred_at.desc(), ActivityLog.id.desc()).limit(limit)


def _decode(cursor: str) -> tuple[datetime, UUID]:
    occurred_at, entry_id = decode_cursor(cursor, parts=2)
    try:
        position = datetime.fromisoformat(occurred_at), UUID(entry_id)
    except ValueError as exc:
        raise _malformed_cursor() from exc
    if position[0].tzinfo is None:  # never issued by us; a naive time would be read as UTC
        raise _malformed_cursor()
    return position


def _malformed_cursor() -> ValidationFailed:
    message = "Malformed cursor."
    return ValidationFailed(message, [FieldError("cursor", message, "invalid")])


async def list_entries(
    session: AsyncSession, organization_id: UUID, query: ActivityLogFilter
) -> Page[ActivityLogRead]:
    statement = _matching(organization_id, query)
    if query.cursor:
        statement = _after(statement, *_decode(query.cursor))
    rows = list(await session.scalars(_newest_first(statement, query.limit + 1)))
    page = rows[: query.limit]
    last = page[-1] if len(rows) > query.limit else None
    return Page(
        items=[ActivityLogRead.model_validate(row) for row in page],
        next_cursor=encode_cursor(last.occurred_at.isoformat(), last.id) if last else None,
    )


async def stream_entries(
    session: AsyncSession, organization_id: UUID, criteria: ActivityLogCriteria
) -> AsyncIterator[ActivityLogRead]:
    """Every matching entry, newest first, read in keyset batches of `EXPORT_BATCH` rows so
    memory stays bounded; stops after `EXPORT_LIMIT` (100,000) rows, so a larger trail must be
    exported in narrower time ranges."""
    base = _matching(organization_id, criteria)
    statement, sent = base, 0
    while sent < EXPORT_LIMIT:
        batch = list(
            await session.scalars(_newest_first(statement, min(EXPORT_BATCH, EXPORT_LIMIT - sent)))
        )
        for row in batch:
            yield ActivityLogRead.model_validate(row)
        sent += len(batch)
        if len(batch) < EXPORT_BATCH:
            return
        statement = _after(base, batch[-1].occurred_at, batch[-1].id)
