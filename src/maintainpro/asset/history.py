"""An asset's history: its audit trail, its downtime, the work orders naming it and its
maintenance logs, newest first, one cursor over all four. Work orders show only as far as
the caller may read them (its work order read scope); the logs belong to the asset."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeVar
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.audit.schemas import ActivityLogRead
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
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
from maintainpro.maintenance.schemas import MaintenanceLogRead
from maintainpro.models import (
    ActivityLog,
    Asset,
    DowntimeEvent,
    MaintenanceLog,
    WorkOrder,
    WorkOrderAsset,
)
from maintainpro.work_order import repository as work_orders
from maintainpro.work_order.schemas import WorkOrderRead


class HistoryEntry(ReadSchema):
    kind: Literal["change", "downtime", "work_order", "maintenance"]
    at: datetime
    id: UUID
    change: ActivityLogRead | None = None
    downtime: DowntimeRead | None = None
    # Work on the asset, at the time it was reported.
    work_order: WorkOrderRead | None = None
    # Completed work on the asset, at its completion.
    maintenance: MaintenanceLogRead | None = None


Before = tuple[datetime, UUID] | None
CHANGES = Keyset(ActivityLog.occurred_at, ActivityLog.id, aware_datetime, descending=True)
DOWNTIME = Keyset(DowntimeEvent.started_at, DowntimeEvent.id, aware_datetime, descending=True)
WORK = Keyset(WorkOrder.reported_at, WorkOrder.id, aware_datetime, descending=True)
LOGS = Keyset(MaintenanceLog.completed_at, MaintenanceLog.id, aware_datetime, descending=True)
M = TypeVar("M")


def _window(
    keyset: Keyset[datetime], statement: Select[M], before: Before, limit: int
) -> Select[M]:
    """The `limit` newest rows of `statement` older than `before`."""
    if before is not None:
        statement = keyset.after(statement, before)
    return keyset.ordered(statement, limit)


async def _changes(
    session: AsyncSession, asset: Asset, before: Before, limit: int
) -> list[HistoryEntry]:
    query = select(ActivityLog).where(
        ActivityLog.organization_id == asset.organization_id,
        ActivityLog.entity_type == "assets",
        ActivityLog.entity_id == asset.id,
    )
    rows = await session.scalars(_window(CHANGES, query, before, limit))
    return [
        HistoryEntry(
            kind="change", at=r.occurred_at, id=r.id, change=ActivityLogRead.model_validate(r)
        )
        for r in rows
    ]


async def _downtime(
    session: AsyncSession, asset: Asset, before: Before, limit: int
) -> list[HistoryEntry]:
    query = select(DowntimeEvent).where(
        DowntimeEvent.organization_id == asset.organization_id,
        DowntimeEvent.asset_id == asset.id,
        DowntimeEvent.deleted_at.is_(None),
    )
    rows = await session.scalars(_window(DOWNTIME, query, before, limit))
    return [
        HistoryEntry(
            kind="downtime", at=r.started_at, id=r.id, downtime=DowntimeRead.model_validate(r)
        )
        for r in rows
    ]


async def _work_orders(
    session: AsyncSession, auth: Authorized, asset: Asset, before: Before, limit: int
) -> list[HistoryEntry]:
    scope = auth.principal.scope(Resource.WORK_ORDER, Action.READ)
    if scope is None:
        return []
    statement, params = work_orders.visible(Authorized(auth.principal, scope))
    on_asset = select(WorkOrderAsset.work_order_id).where(
        WorkOrderAsset.organization_id == asset.organization_id,
        WorkOrderAsset.asset_id == asset.id,
    )
    statement = statement.where(WorkOrder.id.in_(on_asset))
    rows = (await session.execute(_window(WORK, statement, before, limit), params)).all()
    return [
        HistoryEntry(
            kind="work_order",
            at=row.reported_at,
            id=row.id,
            work_order=WorkOrderRead.model_validate(row._asdict()),
        )
        for row in rows
    ]


async def _logs(
    session: AsyncSession, asset: Asset, before: Before, limit: int
) -> list[HistoryEntry]:
    query = select(MaintenanceLog).where(
        MaintenanceLog.organization_id == asset.organization_id,
        MaintenanceLog.asset_id == asset.id,
    )
    rows = await session.scalars(_window(LOGS, query, before, limit))
    return [
        HistoryEntry(
            kind="maintenance",
            at=r.completed_at,
            id=r.id,
            maintenance=MaintenanceLogRead.model_validate(r),
        )
        for r in rows
    ]


async def history(
    session: AsyncSession, auth: Authorized, asset: Asset, query: PageQuery
) -> Page[HistoryEntry]:
    before = decode_position(query.cursor, aware_datetime) if query.cursor else None
    merged = [
        *await _changes(session, asset, before, query.limit + 1),
        *await _downtime(session, asset, before, query.limit + 1),
        *await _work_orders(session, auth, asset, before, query.limit + 1),
        *await _logs(session, asset, before, query.limit + 1),
    ]
    merged.sort(key=lambda entry: (entry.at, entry.id), reverse=True)
    page, next_cursor = split_page(merged, query.limit, lambda entry: (entry.at, entry.id))
    return Page(items=page, next_cursor=next_cursor)
