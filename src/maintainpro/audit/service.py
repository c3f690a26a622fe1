"""Reading the audit trail (C7): filtered, newest first, keyset-paginated, exportable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.audit.schemas import ActivityLogCriteria, ActivityLogFilter, ActivityLogRead
from maintainpro.core.pagination import Keyset, Page, aware_datetime
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


NEWEST_FIRST = Keyset(ActivityLog.occurred_at, ActivityLog.id, aware_datetime, descending=True)


async def list_entries(
    session: AsyncSession, organization_id: UUID, query: ActivityLogFilter
) -> Page[ActivityLogRead]:
    statement = NEWEST_FIRST.page(_matching(organization_id, query), query.cursor, query.limit)
    page, next_cursor = NEWEST_FIRST.split(list(await session.scalars(statement)), query.limit)
    return Page(
        items=[ActivityLogRead.model_validate(row) for row in page], next_cursor=next_cursor
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
        rows = min(EXPORT_BATCH, EXPORT_LIMIT - sent)
        batch = list(await session.scalars(NEWEST_FIRST.ordered(statement, rows)))
        for row in batch:
            yield ActivityLogRead.model_validate(row)
        sent += len(batch)
        if len(batch) < EXPORT_BATCH:
            return
        statement = NEWEST_FIRST.after(base, (batch[-1].occurred_at, batch[-1].id))
