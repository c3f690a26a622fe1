"""Purchase orders: drafts with their lines, numbering, the status machine with approval by
role and amount, and reads. Receipts are in `receipts.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import Select, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page
from maintainpro.inventory.stock import in_sites
from maintainpro.models import PurchaseOrder, PurchaseOrderLine
from maintainpro.outbox import service as outbox_service
from maintainpro.purchasing import machine
from maintainpro.purchasing.schemas import (
    LineIn,
    PurchaseOrderCreate,
    PurchaseOrderQuery,
    PurchaseOrderRead,
    PurchaseOrderSummary,
    PurchaseOrderUpdate,
    TransitionIn,
)

NEWEST_FIRST = Keyset(PurchaseOrder.id, PurchaseOrder.id, UUID, descending=True)
CENTS = Decimal("0.01")

# The vendor (live), the storeroom (a live storeroom: its site) and each part (live: the
# vendor's price and number for it, else its default cost), in one round trip.
_REFERENCES = text("""
SELECT (SELECT v.id FROM vendors v WHERE v.organization_id = :org AND v.id = :vendor
          AND v.deleted_at IS NULL) AS vendor,
       (SELECT ARRAY[l.site_id] FROM locations l WHERE l.organization_id = :org AND l.id = :store
          AND l.kind = 'storeroom' AND l.deleted_at IS NULL) AS store_site,
       array(SELECT ARRAY[p.id::text, coalesce(vp.price, p.default_unit_cost)::text,
                          coalesce(vp.vendor_part_number, '')]
             FROM parts p LEFT JOIN vendor_parts vp ON vp.organization_id = p.organization_id
               AND vp.part_id = p.id AND vp.vendor_id = :vendor
             WHERE p.organization_id = :org AND p.id = ANY(CAST(:parts AS uuid[]))
               AND p.deleted_at IS NULL) AS parts
""")
_NUMBER = text("SELECT last_number FROM app.take_numbers('purchase_order', 1)")
# A threshold that is not a number counts as none (settings are free-form JSON).
_THRESHOLD = text(
    "SELECT CASE WHEN jsonb_typeof(o.settings #> '{purchasing,approvalThreshold}') = 'number'"
    " THEN CAST(o.settings #>> '{purchasing,approvalThreshold}' AS numeric) END"
    " FROM organizations o WHERE o.id = :org"
)
# Book-currency units per unit of :currency: 1 for the book currency itself
# (`purchasing.currency`, EUR when unset), else a positive number in `purchasing.exchangeRates`;
# NULL when there is none.
_RATE = text("""
SELECT CASE
  WHEN :currency = coalesce(o.settings #>> '{purchasing,currency}', 'EUR') THEN 1
  WHEN jsonb_typeof(o.settings #> ARRAY['purchasing', 'exchangeRates', :currency]) = 'number'
   AND CAST(o.settings #>> ARRAY['purchasing', 'exchangeRates', :currency] AS numeric) > 0
  THEN CAST(o.settings #>> ARRAY['purchasing', 'exchangeRates', :currency] AS numeric) END
FROM organizations o WHERE o.id = :org
""")


def _invalid(field: str, message: str, code: str = "unknown") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


def _visible(auth: Authorized) -> Select[PurchaseOrder]:
    statement = select(PurchaseOrder).where(
        PurchaseOrder.organization_id == auth.principal.organization_id
    )
    return in_sites(auth, statement, PurchaseOrder.storeroom_id)


async def get(
    session: AsyncSession, auth: Authorized, order_id: UUID, *, lock: bool = False
) -> PurchaseOrder:
    statement = _visible(auth).where(PurchaseOrder.id == order_id)
    if lock:
        statement = statement.with_for_update(key_share=True)
    order = await session.scalar(statement.execution_options(populate_existing=True))
    if order is None:
        raise NotFound("No such purchase order.")
    return order


async def lines_of(session: AsyncSession, order: PurchaseOrder) -> Sequence[PurchaseOrderLine]:
    return (
        await session.scalars(
            select(PurchaseOrderLine)
            .where(
                PurchaseOrderLine.organization_id == order.organization_id,
                PurchaseOrderLine.purchase_order_id == order.id,
            )
            .order_by(PurchaseOrderLine.id)
            .execution_options(populate_existing=True)
        )
    ).all()


async def read(session: AsyncSession, order: PurchaseOrder) -> PurchaseOrderRead:
    lines = await lines_of(session, order)
    columns = {c.key: getattr(order, c.key) for c in PurchaseOrder.__mapper__.column_attrs}
    return PurchaseOrderRead.model_validate({**columns, "lines": lines})


async def _priced_lines(
    session: AsyncSession,
    auth: Authorized,
    vendor_id: UUID,
    storeroom_id: UUID,
    lines: Sequence[LineIn],
) -> list[PurchaseOrderLine]:
    org = auth.principal.organization_id
    params = {
        "org": org,
        "vendor": vendor_id,
        "store": storeroom_id,
        "parts": [line.part_id for line in lines],
    }
    found = (await session.execute(_REFERENCES, params)).one()
    if found.vendor is None:
        raise _invalid("vendorId", "Not a live vendor of this organization.")
    reachable = found.store_site is not None and (
        auth.scope is not Scope.SITE or found.store_site[0] in auth.principal.site_ids
    )
    if not reachable:
        raise _invalid("storeroomId", "Not a storeroom of this organization you can reach.")
    prices = {UUID(part): (Decimal(price), number or None) for part, price, number in found.parts}
    made = []
    for index, line in enumerate(lines):
        if line.part_id not in prices:
            raise _invalid(f"lines[{index}].partId", "Not a live part.")
        price, number = prices[line.part_id]
        made.append(
            PurchaseOrderLine(
                organization_id=org,
                part_id=line.part_id,
                quantity=line.quantity,
                unit_price=price if line.unit_price is None else line.unit_price,
                vendor_part_number=line.vendor_part_number or number,
            )
        )
    return made


def _total(lines: Sequence[PurchaseOrderLine]) -> Decimal:
    return sum(
        ((line.quantity * line.unit_price).quantize(CENTS, ROUND_HALF_UP) for line in lines),
        Decimal(0),
    )


async def create(
    session: AsyncSession, auth: Authorized, data: PurchaseOrderCreate
) -> PurchaseOrder:
    lines = await _priced_lines(session, auth, data.vendor_id, data.storeroom_id, data.lines)
    number = await session.scalar(_NUMBER)
    order = PurchaseOrder(
        organization_id=auth.principal.organization_id,
        number=f"PO-{number:06d}",
        vendor_id=data.vendor_id,
        storeroom_id=data.storeroom_id,
        currency=data.currency,
        expected_on=data.expected_on,
        notes=data.notes,
        total=_total(lines),
    )
    session.add(order)
    await session.flush()
    for line in lines:
        line.purchase_order_id = order.id
    session.add_all(lines)
    await session.flush()
    return order


async def update(
    session: AsyncSession,
    auth: Authorized,
    order_id: UUID,
    data: PurchaseOrderUpdate,
    *,
    version: int | None,
) -> PurchaseOrder:
    order = await get(session, auth, order_id, lock=True)
    check_version(version, order.version, what="purchase order")
    _draft(order)
    changes = data.model_dump(exclude_unset=True, exclude={"lines"})
    for name in ("vendor_id", "storeroom_id", "currency"):
        if name in changes and changes[name] is None:
            raise _invalid(name.replace("_id", "Id"), "Cannot be null.", "null")
    for name, value in changes.items():
        setattr(order, name, value)
    if data.lines is not None or "vendor_id" in changes or "storeroom_id" in changes:
        current = data.lines
        if current is None:
            # Kept as they are; a new vendor brings its own part numbers.
            same_vendor = "vendor_id" not in changes
            current = [
                LineIn.model_validate(
                    {
                        "partId": line.part_id,
                        "quantity": line.quantity,
                        "unitPrice": line.unit_price,
                        "vendorPartNumber": line.vendor_part_number if same_vendor else None,
                    }
                )
                for line in await lines_of(session, order)
            ]
        lines = await _priced_lines(session, auth, order.vendor_id, order.storeroom_id, current)
        await session.execute(
            delete(PurchaseOrderLine).where(
                PurchaseOrderLine.organization_id == order.organization_id,
                PurchaseOrderLine.purchase_order_id == order.id,
            )
        )
        for line in lines:
            line.purchase_order_id = order.id
        session.add_all(lines)
        order.total = _total(lines)
    await session.flush()
    return order


def _draft(order: PurchaseOrder) -> None:
    if order.status != "draft":
        raise Conflict(
            f"A {order.status} purchase order cannot be edited.",
            [FieldError("status", "Only drafts change; send it back to draft first.", "not_draft")],
        )


async def remove(session: AsyncSession, auth: Authorized, order_id: UUID) -> None:
    """A draft may be deleted (its number stays used); anything later is cancelled."""
    order = await get(session, auth, order_id, lock=True)
    _draft(order)
    await session.delete(order)
    await session.flush()


async def transition(
    session: AsyncSession,
    auth: Authorized,
    order_id: UUID,
    request: TransitionIn,
    *,
    version: int | None,
) -> PurchaseOrder:
    order = await get(session, auth, order_id, lock=True)
    role = auth.principal.role
    move = machine.move(order.status, request.to)
    if move is None or role not in move.roles:
        raise Conflict(
            f"A {order.status} purchase order cannot move to {request.to}.",
            [FieldError("to", "Not an allowed move.", "not_allowed")],
            extensions={"allowedTargets": machine.targets(order.status, role)},
        )
    check_version(version, order.version, what="purchase order")
    if move.needs_reason and request.reason is None:
        raise _invalid("reason", f"Moving to {request.to} says why.", "required")
    now = datetime.now(UTC)
    actor = auth.principal.user_id
    order.status, order.status_reason = request.to, request.reason
    if request.to == "submitted":
        order.submitted_at, order.submitted_by = now, actor
        if await _within_threshold(session, order):
            order.status, order.approved_at, order.approved_by = "approved", now, actor
            order.status_reason = "within the approval threshold"
        else:
            await outbox_service.emit(
                session,
                event_type="purchase_order.approval_needed",
                entity_type="purchase_order",
                entity_id=order.id,
                payload={
                    "number": order.number,
                    "total": str(order.total),
                    "currency": order.currency,
                },
            )
    elif request.to == "approved":
        order.approved_at, order.approved_by = now, actor
    elif request.to == "ordered":
        order.ordered_at = now
    elif request.to == "closed":
        order.closed_at = now
    elif request.to == "cancelled":
        order.cancelled_at = now
    await session.flush()
    return order


async def book_rate(session: AsyncSession, order: PurchaseOrder) -> Decimal | None:
    """What one unit of the order's currency is worth in the organization's book currency."""
    rate: Decimal | None = await session.scalar(
        _RATE, {"org": order.organization_id, "currency": order.currency}
    )
    return rate


async def _within_threshold(session: AsyncSession, order: PurchaseOrder) -> bool:
    """An order whose total, in the book currency, is at or below
    `purchasing.approvalThreshold` needs no approver; without the setting, or without a rate
    for the order's currency, every order does."""
    threshold = await session.scalar(_THRESHOLD, {"org": order.organization_id})
    if threshold is None:
        return False
    rate = await book_rate(session, order)
    return rate is not None and order.total * rate <= threshold


async def list_orders(
    session: AsyncSession, auth: Authorized, query: PurchaseOrderQuery
) -> Page[PurchaseOrderSummary]:
    statement = _visible(auth)
    if query.status is not None:
        statement = statement.where(PurchaseOrder.status == query.status)
    if query.vendor_id is not None:
        statement = statement.where(PurchaseOrder.vendor_id == query.vendor_id)
    rows = list(await session.scalars(NEWEST_FIRST.page(statement, query.cursor, query.limit)))
    page, next_cursor = NEWEST_FIRST.split(rows, query.limit)
    return Page(
        items=[PurchaseOrderSummary.model_validate(o) for o in page], next_cursor=next_cursor
    )
