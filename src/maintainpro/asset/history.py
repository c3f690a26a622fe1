"""An asset's history: its audit trail and its downtime, newest first, one cursor over both
(work orders and maintenance logs join with C3)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.audit.schemas import ActivityLogRead
from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.core.pagination import Page, PageQuery, decode_cursor, encode_cursor
from maintainpro.core.schemas import ReadSchema
from maintainpro.downtime.schemas import DowntimeRead
from maintainpro.models import ActivityLog, Asset, DowntimeEvent


class HistoryEntry(ReadSchema):
    kind: Literal["change", "downtime"]
    at: datetime
    id: UUID
    change: ActivityLogRead | None = None
    downtime: DowntimeRead | None = None


def _position(cursor: str) -> tuple[datetime, UUID]:
    at, entry_id = decode_cursor(cursor, parts=2)
    try:
        return datetime.fromisoformat(at), UUID(entry_id)
    except ValueError as exc:
        message = "Malformed cursor."
        raise ValidationFailed(message, [FieldError("cursor", message, "invalid")]) from exc


async def _changes(
    session: AsyncSession, asset: Asset, before: tuple[datetime, UUID] | None, limit: int
) -> list[HistoryEntry]:
    query = select(ActivityLog).where(
        ActivityLog.organization_id == asset.organization_id,
        ActivityLog.entity_type == "assets",
        ActivityLog.entity_id == asset.id,
    )
    if before is not None:
        query = query.where(tuple_(ActivityLog.occurred_at, ActivityLog.id) < before)
    rows = await session.scalars(
        query.order_by(ActivityLog.occurred_at.desc(), ActivityLog.id.desc()).limit(limit)
    )
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
        query = query.where(tuple_(DowntimeEvent.started_at, DowntimeEvent.id) < before)
    rows = await session.scalars(
        query.order_by(DowntimeEvent.started_at.desc(), DowntimeEvent.id.desc()).limit(limit)
    )
    return [
        HistoryEntry(
            kind="downtime", at=r.started_at, id=r.id, downtime=DowntimeRead.model_validate(r)
        )
        for r in rows
    ]


async def history(session: AsyncSession, asset: Asset, query: PageQuery) -> Page[HistoryEntry]:
    before = _position(query.cursor) if query.cursor else None
    merged = [
        *await _changes(session, asset, before, query.limit + 1),
        *await _downtime(session, asset, before, query.limit + 1),
    ]
    merged.sort(key=lambda entry: (entry.at, entry.id), reverse=True)
    page = merged[: query.limit]
    last = page[-1] if len(merged) > query.limit else None
    return Page(
        items=page, next_cursor=encode_cursor(last.at.isoformat(), last.id) if last else None
    )
