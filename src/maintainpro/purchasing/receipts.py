"""Receipts: what arrived on an ordered purchase order enters the storeroom as receipt
movements at the order's price (moving the average cost), line by line, in one transaction;
a price in another currency than the organization's is converted at its configured rate.
The order's row is locked first, so two deliveries booked at once cannot over-receive."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, ValidationFailed
from maintainpro.inventory import ledger
from maintainpro.inventory.ledger import Move
from maintainpro.models import PurchaseOrder, PurchaseOrderReceipt
from maintainpro.purchasing import machine, service
from maintainpro.purchasing.schemas import ReceiptCreate, ReceiptList, ReceiptRead

COST_UNIT = Decimal("0.0001")  # the scale of a movement's unit cost


async def receive(
    session: AsyncSession, auth: Authorized, order_id: UUID, data: ReceiptCreate
) -> PurchaseOrder:
    order = await service.get(session, auth, order_id, lock=True)
    if order.status not in machine.RECEIVING:
        raise Conflict(
            f"A {order.status} purchase order receives nothing.",
            [
                FieldError(
                    "status", "Receipts are booked on ordered purchase orders.", "not_ordered"
                )
            ],
        )
    rate = await _rate(session, order)
    lines = {line.id: line for line in await service.lines_of(session, order)}
    # Stock rows are taken in one order (by part), so two deliveries naming the same parts
    # cannot deadlock; errors still name the line as the client sent it.
    ordered = sorted(
        enumerate(data.lines),
        key=lambda item: str(lines[item[1].line_id].part_id) if item[1].line_id in lines else "",
    )
    for index, received in ordered:
        line = lines.get(received.line_id)
        if line is None:
            message = "Not a line of this purchase order."
            raise ValidationFailed(
                message, [FieldError(f"lines[{index}].lineId", message, "unknown")]
            )
        outstanding = line.quantity - line.received_quantity
        if received.quantity > outstanding:
            message = f"Only {outstanding} outstanding on this line."
            field = f"lines[{index}].quantity"
            raise ValidationFailed(message, [FieldError(field, message, "more_than_ordered")])
        movement = await ledger.add(
            session,
            Move(
                organization_id=order.organization_id,
                part_id=line.part_id,
                storeroom_id=order.storeroom_id,
                kind="receipt",
                quantity=received.quantity,
                actor=auth.principal.user_id,
                cost=(line.unit_price * rate).quantize(COST_UNIT, ROUND_HALF_UP),
                revalue=True,
                reason=f"{order.number} delivery",
            ),
        )
        line.received_quantity += received.quantity
        session.add(
            PurchaseOrderReceipt(
                organization_id=order.organization_id,
                purchase_order_id=order.id,
                line_id=line.id,
                movement_id=movement["id"],
                quantity=received.quantity,
                exchange_rate=rate,
                note=data.note,
                received_by=auth.principal.user_id,
            )
        )
    complete = all(line.received_quantity == line.quantity for line in lines.values())
    order.status = "received" if complete else "partially_received"
    await session.flush()
    return order


async def _rate(session: AsyncSession, order: PurchaseOrder) -> Decimal:
    """Stock is valued in the book currency: an order in another one needs its rate."""
    rate = await service.book_rate(session, order)
    if rate is None:
        message = (
            f"No exchange rate for {order.currency}:"
            f" set settings.purchasing.exchangeRates.{order.currency}."
        )
        raise Conflict(message, [FieldError("currency", message, "no_exchange_rate")])
    return rate


async def list_receipts(session: AsyncSession, auth: Authorized, order_id: UUID) -> ReceiptList:
    order = await service.get(session, auth, order_id)
    rows = await session.scalars(
        select(PurchaseOrderReceipt)
        .where(
            PurchaseOrderReceipt.organization_id == order.organization_id,
            PurchaseOrderReceipt.purchase_order_id == order.id,
        )
        .order_by(PurchaseOrderReceipt.id)
    )
    return ReceiptList(items=[ReceiptRead.model_validate(row) for row in rows])
