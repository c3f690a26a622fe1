"""Checklist SQL: always tenant-scoped. Callers have checked the work order is visible to the
caller (work_order.service.read) before anything here runs for it."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from maintainpro.checklist.schemas import ChecklistDefinition, ItemDefinition
from maintainpro.core import prepared
from maintainpro.models import Checklist, ChecklistItem, Meter

# The required items without a result, with the indexes a client sees them at.
_OPEN_REQUIRED = prepared.prepare(
    text("""
SELECT c.n - 1 AS checklist_index, i.n - 1 AS item_index
FROM (SELECT id, row_number() OVER (ORDER BY position) AS n FROM checklists
      WHERE organization_id = :org AND work_order_id = :id) c
JOIN LATERAL (SELECT required, result_at, row_number() OVER (ORDER BY position) AS n
              FROM checklist_items
              WHERE organization_id = :org AND checklist_id = c.id) i ON true
WHERE i.required AND i.result_at IS NULL
ORDER BY c.n, i.n
""")
)


async def checklists_of(
    session: AsyncSession, org: UUID, work_order_id: UUID, checklist_id: UUID | None = None
) -> list[Checklist]:
    statement = select(Checklist).where(
        Checklist.organization_id == org, Checklist.work_order_id == work_order_id
    )
    if checklist_id is not None:
        statement = statement.where(Checklist.id == checklist_id)
    return list(await session.scalars(statement.order_by(Checklist.position)))


async def items_of(
    session: AsyncSession, org: UUID, checklist_ids: Sequence[UUID]
) -> list[ChecklistItem]:
    statement = (
        select(ChecklistItem)
        .where(
            ChecklistItem.organization_id == org,
            ChecklistItem.checklist_id.in_(checklist_ids),
        )
        .order_by(ChecklistItem.checklist_id, ChecklistItem.position)
    )
    return list(await session.scalars(statement))


async def item_for_update(
    session: AsyncSession, org: UUID, work_order_id: UUID, checklist_id: UUID, item_id: UUID
) -> ChecklistItem | None:
    """The item, locked: concurrent results on one item apply one after the other (and create
    at most one follow-up)."""
    statement = (
        select(ChecklistItem)
        .join(
            Checklist,
            (Checklist.organization_id == ChecklistItem.organization_id)
            & (Checklist.id == ChecklistItem.checklist_id),
        )
        .where(
            ChecklistItem.organization_id == org,
            ChecklistItem.id == item_id,
            ChecklistItem.checklist_id == checklist_id,
            Checklist.work_order_id == work_order_id,
        )
        .with_for_update(of=ChecklistItem)
    )
    item: ChecklistItem | None = await session.scalar(statement)
    return item


async def next_position(
    session: AsyncSession, column: InstrumentedAttribute[int], where: ColumnElement[bool]
) -> int:
    """The position after the last one (0 for the first); callers hold the work order lock."""
    found = await session.scalar(select(func.coalesce(func.max(column) + 1, 0)).where(where))
    assert isinstance(found, int)
    return found


def new_items(
    org: UUID, checklist_id: UUID, first: int, definitions: Sequence[ItemDefinition]
) -> list[ChecklistItem]:
    return [
        ChecklistItem(
            organization_id=org,
            checklist_id=checklist_id,
            position=first + offset,
            **definition.model_dump(),
        )
        for offset, definition in enumerate(definitions)
    ]


async def insert_checklist(
    session: AsyncSession,
    org: UUID,
    work_order_id: UUID,
    position: int,
    definition: ChecklistDefinition,
) -> Checklist:
    checklist = Checklist(
        organization_id=org, work_order_id=work_order_id, name=definition.name, position=position
    )
    session.add(checklist)
    await session.flush()
    session.add_all(new_items(org, checklist.id, 0, definition.items))
    await session.flush()
    return checklist


async def meters_on(
    session: AsyncSession, org: UUID, meter_ids: Sequence[UUID], asset_ids: Sequence[UUID]
) -> set[UUID]:
    """Of `meter_ids`, the live meters on one of `asset_ids`."""
    if not meter_ids or not asset_ids:
        return set()
    rows = await session.scalars(
        select(Meter.id).where(
            Meter.organization_id == org,
            Meter.id.in_(meter_ids),
            Meter.asset_id.in_(asset_ids),
            Meter.deleted_at.is_(None),
        )
    )
    return set(rows)


async def open_required(session: AsyncSession, org: UUID, work_order_id: UUID) -> list[str]:
    """`checklists[i].items[j]` of every required item still without a result."""
    rows = await prepared.fetch(session, _OPEN_REQUIRED, {"org": org, "id": work_order_id})
    return [f"checklists[{row['checklist_index']}].items[{row['item_index']}]" for row in rows]


_PHOTO = prepared.prepare(
    text("""
SELECT EXISTS (
  SELECT 1 FROM attachments
  WHERE organization_id = :org AND id = :id AND deleted_at IS NULL
    AND content_type LIKE 'image/%'
    AND ((parent_type = 'checklist_item' AND parent_id = :item_id)
         OR (parent_type = 'work_order' AND parent_id = :work_order_id))
) AS found
""")
)


async def is_photo_of(
    session: AsyncSession, org: UUID, attachment_id: UUID, work_order_id: UUID, item_id: UUID
) -> bool:
    """Whether the attachment is a live image on this checklist item or its work order."""
    params = {"org": org, "id": attachment_id, "item_id": item_id, "work_order_id": work_order_id}
    row = await prepared.fetchrow(session, _PHOTO, params)
    return bool(row and row["found"])
