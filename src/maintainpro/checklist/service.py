"""The checklists of a work order (C3): named, ordered lists of typed items. Reading them needs
the work order visible to the caller; adding to them needs the right to change it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from uuid import UUID

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.checklist import repository
from maintainpro.checklist.schemas import (
    ChecklistCreate,
    ChecklistRead,
    ItemDefinition,
    ItemRead,
    ItemsCreate,
)
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.models import Checklist, ChecklistItem
from maintainpro.work_order.machine import OPEN
from maintainpro.work_order.schemas import WorkOrderRead
from maintainpro.work_order.service import read

# What a signature vouches for: the questions and their answers, not bookkeeping.
SIGNED_ITEM_FIELDS: set[str] = {
    "id",
    "position",
    "label",
    "kind",
    "required",
    "min_value",
    "max_value",
    "unit",
    "meter_id",
    "status",
    "result_value",
    "result_attachment_id",
    "result_note",
    "result_by",
    "result_at",
}


def state_hash(checklist: Checklist, items: Sequence[ItemRead]) -> bytes:
    """SHA-256 of the checklist's canonical JSON: sorted keys, no whitespace, UTF-8."""
    state = {
        "id": str(checklist.id),
        "name": checklist.name,
        "items": [
            item.model_dump(mode="json", by_alias=True, include=SIGNED_ITEM_FIELDS)
            for item in items
        ],
    }
    return hashlib.sha256(orjson.dumps(state, option=orjson.OPT_SORT_KEYS)).digest()


def _read(checklist: Checklist, items: Sequence[ChecklistItem]) -> ChecklistRead:
    shown = [ItemRead.model_validate(item) for item in items]
    return ChecklistRead(
        id=checklist.id,
        organization_id=checklist.organization_id,
        work_order_id=checklist.work_order_id,
        name=checklist.name,
        position=checklist.position,
        items=shown,
        state_hash=state_hash(checklist, shown).hex(),
        created_at=checklist.created_at,
        updated_at=checklist.updated_at,
        created_by=checklist.created_by,
        updated_by=checklist.updated_by,
    )


async def _with_items(
    session: AsyncSession, org: UUID, checklists: Sequence[Checklist]
) -> list[ChecklistRead]:
    items = await repository.items_of(session, org, [c.id for c in checklists])
    return [_read(c, [i for i in items if i.checklist_id == c.id]) for c in checklists]


def check_open(work_order: WorkOrderRead) -> None:
    """Checklists change while the work is open; completed (or cancelled) work is a record."""
    if work_order.status not in OPEN:
        raise Conflict(f"The work order is {work_order.status}: its checklists no longer change.")


async def list_checklists(
    session: AsyncSession, auth: Authorized, work_order_id: UUID
) -> list[ChecklistRead]:
    work_order = await read(session, auth, work_order_id)
    org = work_order.organization_id
    return await _with_items(
        session, org, await repository.checklists_of(session, org, work_order_id)
    )


async def one(
    session: AsyncSession, org: UUID, work_order_id: UUID, checklist_id: UUID
) -> ChecklistRead:
    found = await repository.checklists_of(session, org, work_order_id, checklist_id)
    if not found:
        raise NotFound("No such checklist on this work order.")
    return (await _with_items(session, org, found))[0]


async def _check_meters(
    session: AsyncSession,
    work_order: WorkOrderRead,
    items: Sequence[ItemDefinition],
    field: str,
) -> None:
    """A meter reading item names a live meter of one of the work order's assets."""
    named = [item.meter_id for item in items if item.meter_id is not None]
    found = await repository.meters_on(
        session, work_order.organization_id, named, work_order.asset_ids
    )
    problems = [
        FieldError(
            f"{field}[{index}].meterId", "Not a meter of the work order's assets.", "not_found"
        )
        for index, item in enumerate(items)
        if item.meter_id is not None and item.meter_id not in found
    ]
    if problems:
        raise ValidationFailed("An item names a meter that cannot be used.", problems)


async def _locked_open(
    session: AsyncSession, auth: Authorized, work_order_id: UUID
) -> WorkOrderRead:
    """The work order, locked (positions are handed out one adder at a time) and open."""
    work_order = await read(session, auth, work_order_id, lock=True)
    check_open(work_order)
    return work_order


async def add_checklist(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, data: ChecklistCreate
) -> ChecklistRead:
    work_order = await _locked_open(session, auth, work_order_id)
    await _check_meters(session, work_order, data.items, "items")
    org = work_order.organization_id
    position = await repository.next_position(
        session,
        Checklist.position,
        (Checklist.organization_id == org) & (Checklist.work_order_id == work_order_id),
    )
    checklist = await repository.insert_checklist(session, org, work_order_id, position, data)
    return await one(session, org, work_order_id, checklist.id)


async def add_items(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    checklist_id: UUID,
    data: ItemsCreate,
) -> ChecklistRead:
    work_order = await _locked_open(session, auth, work_order_id)
    org = work_order.organization_id
    await one(session, org, work_order_id, checklist_id)
    await _check_meters(session, work_order, data.items, "items")
    first = await repository.next_position(
        session,
        ChecklistItem.position,
        (ChecklistItem.organization_id == org) & (ChecklistItem.checklist_id == checklist_id),
    )
    session.add_all(repository.new_items(org, checklist_id, first, data.items))
    await session.flush()
    return await one(session, org, work_order_id, checklist_id)


async def require_done(session: AsyncSession, work_order: WorkOrderRead) -> None:
    """The completion guard: every required item has a result, else a 409 naming the open
    ones."""
    open_items = await repository.open_required(session, work_order.organization_id, work_order.id)
    if open_items:
        message = "A required checklist item has no result yet."
        raise Conflict(
            f"{len(open_items)} required checklist item(s) have no result yet.",
            [FieldError(where, message, "checklist_open") for where in open_items],
        )
