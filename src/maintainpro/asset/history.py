"""An asset's history: its audit trail and its downtime, newest first, one cursor over both
(work orders and maintenance logs join with C3)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.audit.schemas import ActivityLogRead
from maintainpro.core.pagination import (
    Keyset,
    Page,
    PageQuery,
    aware_datetime,
    decode_position,
    split_page,
)
from maintainpro.core.schemas import ReadSchema
from maintainpro.downtime.schemas import DowntimeRead
from maintainpro.models import ActivityLog, Asset, DowntimeEvent


class HistoryEntry(ReadSchema):
    kind: Literal["change", "downtime"]
    at: datetime
    id: UUID
    change: ActivityLogRead | None = None
    downtime: DowntimeRead | None = None


CHANGES = Keyset(ActivityLog.occurred_at, ActivityLog.id, aware_datetime, descending=True)
DOWNTIME = Keyset(DowntimeEvent.started_at, DowntimeEvent.id, aware_datetime, descending=True)


async def _changes(
    session: AsyncSession, asset: Asset, before: tuple[datetime, UUID] | None, limit: int
) -> list[HistoryEntry]:
    query = select(ActivityLog).where(
        ActivityLog.organization_id == asset.organization_id,
        ActivityLog.entity_type == "assets",
        ActivityLog.entity_id == asset.id,
    )
    if before is not None:
        query = CHANGES.after(query, before)
    rows = await session.scalars(CHANGES.ordered(query, limit))
    return [
        HistoryEntry(
            kind="change", at=r.occurred_at, id=r.id, change=ActivityLogRead.model_validate(r)
        )
        for r in rows
    ]


async def _downtime(
    session: AsyncSession, asset: Asset, before: tuple[datetime, UUID] | None, limit: int
) -> list[HistoryEntry]:
    query = select(DowntimeEvent).where(
        DowntimeEvent.organization_id == asset.organization_id,
        DowntimeEvent.asset_id == asset.id,
        DowntimeEvent.deleted_at.is_(None),
    )
    if before is not None:
        query = DOWNTIME.after(query, before)
    rows = await session.scalars(DOWNTIME.ordered(query, limit))
    return [
        HistoryEntry(
            kind="downtime", at=r.started_at, id=r.id, downtime=DowntimeRead.model_validate(r)
        )
        for r in rows
    ]


async def history(session: AsyncSession, asset: Asset, query: PageQuery) -> Page[HistoryEntry]:
    before = decode_position(query.cursor, aware_datetime) if query.cursor else None
    merged = [
        *await _changes(session, asset, before, query.limit + 1),
        *await _downtime(session, asset, before, query.limit + 1),
    ]
    merged.sort(key=lambda entry: (entry.at, entry.id), reverse=True)
    page, next_cursor = split_page(merged, query.limit, lambda entry: (entry.at, entry.id))
    return Page(items=page, next_cursor=next_cursor)
