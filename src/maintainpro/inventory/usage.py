"""Parts on a work order (`work_order_parts_used`): planned lines reserve stock, issues
consume the reservation first and cost the part at the storeroom's average, returns put it
back at the line's own average. Every change holds the work order's row first, so the
lines of one work order change one at a time and never race its cancellation."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.auth.principal import Authorized
from maintainpro.core import prepared
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.inventory import ledger, reservations, stock
from maintainpro.inventory.ledger import Move
from maintainpro.inventory.schemas import UsageCreate, UsageIssue, UsageList, UsageRead, UsageReturn
from maintainpro.models import WorkOrderPart
from maintainpro.work_order.machine import OPEN
from maintainpro.work_order.schemas import WorkOrderRead
from maintainpro.work_order.service import read as read_work_order

# Parts move while the work is open or done but not yet verified.
WORKABLE = OPEN | {"completed"}
CENTS = Decimal("0.01")
UNIT = Decimal("0.0001")


async def _work_order(
    session: AsyncSession, auth: Authorized, work_order_id: UUID
) -> WorkOrderRead:
    work_order = await read_work_order(session, auth, work_order_id, lock=True)
    if work_order.status not in WORKABLE:
        raise Conflict(
            f"Parts cannot change on a {work_order.status} work order.",
            [FieldError("status", "Parts move on open or completed work only.", "not_workable")],
        )
    return work_order


async def _line(session: AsyncSession, work_order: WorkOrderRead, usage_id: UUID) -> WorkOrderPart:
    line = await session.scalar(
        select(WorkOrderPart)
        .where(
            WorkOrderPart.organization_id == work_order.organization_id,
            WorkOrderPart.work_order_id == work_order.id,
            WorkOrderPart.id == usage_id,
        )
        .execution_options(populate_existing=True)
    )
    if line is None:
        raise NotFound("No such part on this work order.")
    return line


def _move(
    auth: Authorized, work_order: WorkOrderRead, line_part: UUID, store: UUID, usage_id: UUID
) -> Move:
    return Move(
        organization_id=work_order.organization_id,
        part_id=line_part,
        storeroom_id=store,
        kind="issue",
        quantity=Decimal(0),
        actor=auth.principal.user_id,
        work_order_id=work_order.id,
        usage_id=usage_id,
    )


async def add(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, data: UsageCreate
) -> UsageRead:
    work_order = await _work_order(session, auth, work_order_id)
    await stock.references(session, auth, data.part_id, {"storeroomId": data.storeroom_id})
    usage_id = uuid7()
    params = {
        "id": usage_id,
        "org": work_order.organization_id,
        "work_order": work_order.id,
        "part": data.part_id,
        "store": data.storeroom_id,
        "planned": data.planned,
        # What is planned is reserved; a use is issued at once and holds nothing.
        "quantity": data.quantity if data.planned else Decimal(0),
        "planned_quantity": data.quantity if data.planned else Decimal(0),
        "notes": data.notes,
        "actor": auth.principal.user_id,
    }
    line = await prepared.fetchrow(session, reservations.PLAN, params)
    if not data.planned:
        move = _move(auth, work_order, data.part_id, data.storeroom_id, usage_id)
        line = await _issue(session, replace(move, quantity=data.quantity))
    assert line is not None, "an INSERT ... VALUES writes its row"
    return UsageRead.model_validate(dict(line))


async def _issue(session: AsyncSession, move: Move) -> prepared.Record:
    line = await ledger.issue(session, move)
    if line is None:
        have = await ledger.available(session, move)
        raise stock.shortage(
            move.part_id, move.storeroom_id, move.quantity - move.from_reserved, have
        )
    return line


async def issue(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, usage_id: UUID, data: UsageIssue
) -> UsageRead:
    """Issues from the line's storeroom: its own reservation first, then what is available."""
    work_order = await _work_order(session, auth, work_order_id)
    line = await _line(session, work_order, usage_id)
    quantity = data.quantity
    if quantity is None:
        quantity = line.planned_quantity - line.issued_quantity
        if quantity <= 0:
            message = "Everything planned is issued; say how much more."
            raise ValidationFailed(message, [FieldError("quantity", message, "required")])
    move = _move(auth, work_order, line.part_id, line.storeroom_id, line.id)
    reserved = min(line.reserved_quantity, quantity)
    changed = await _issue(session, replace(move, quantity=quantity, from_reserved=reserved))
    return UsageRead.model_validate(dict(changed))


async def give_back(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, usage_id: UUID, data: UsageReturn
) -> UsageRead:
    """Returns issued parts to the line's storeroom at the line's average issue cost (which
    the storeroom's average takes in, like a receipt)."""
    work_order = await _work_order(session, auth, work_order_id)
    line = await _line(session, work_order, usage_id)
    outstanding = line.issued_quantity - line.returned_quantity
    if data.quantity > outstanding:
        message = f"Only {outstanding} issued and not yet returned."
        raise ValidationFailed(message, [FieldError("quantity", message, "more_than_issued")])
    unit = (line.cost / outstanding).quantize(UNIT, ROUND_HALF_UP)
    # The last of it takes the rest of the cost, so the line never keeps a rounding cent.
    line_cost = (
        line.cost
        if data.quantity == outstanding
        else min((data.quantity * unit).quantize(CENTS, ROUND_HALF_UP), line.cost)
    )
    move = _move(auth, work_order, line.part_id, line.storeroom_id, line.id)
    back = replace(
        move, kind="return", quantity=data.quantity, cost=unit, revalue=True, reason=data.reason
    )
    return UsageRead.model_validate(dict(await ledger.give_back(session, back, line_cost)))


async def remove(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, usage_id: UUID
) -> None:
    """Takes a line that was never issued off the work order, giving up its reservation."""
    work_order = await _work_order(session, auth, work_order_id)
    line = await _line(session, work_order, usage_id)
    if line.issued_quantity > 0:
        raise Conflict(
            "Issued parts stay on record.",
            [FieldError("issuedQuantity", "Return what was issued instead.", "issued")],
        )
    await reservations.release(session, work_order.organization_id, work_order.id, usage_id)
    await session.delete(line)
    await session.flush()


async def list_lines(session: AsyncSession, auth: Authorized, work_order_id: UUID) -> UsageList:
    work_order = await read_work_order(session, auth, work_order_id)
    lines = await session.scalars(
        select(WorkOrderPart)
        .where(
            WorkOrderPart.organization_id == work_order.organization_id,
            WorkOrderPart.work_order_id == work_order.id,
        )
        .order_by(WorkOrderPart.id)
    )
    return UsageList(
        items=[UsageRead.model_validate(line) for line in lines], parts_cost=work_order.parts_cost
    )
