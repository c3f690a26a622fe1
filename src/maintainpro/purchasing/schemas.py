"""Purchase orders on the wire."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.inventory.schemas import Currency, Quantity, Reason, UnitCost

Status = Literal[
    "draft",
    "submitted",
    "approved",
    "ordered",
    "partially_received",
    "received",
    "closed",
    "cancelled",
]
Notes = Annotated[str, StringConstraints(max_length=4000)]
VendorPartNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]


class LineIn(WriteSchema):
    """`unitPrice` defaults to the vendor's price for the part, else the part's default cost."""

    part_id: UUID
    quantity: Quantity
    unit_price: UnitCost | None = None
    vendor_part_number: VendorPartNumber | None = None


MAX_LINES = 200
Lines = Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES)]


class PurchaseOrderCreate(WriteSchema):
    vendor_id: UUID
    storeroom_id: UUID
    currency: Currency = "EUR"
    expected_on: date | None = None
    notes: Notes | None = None
    lines: Lines


class PurchaseOrderUpdate(WriteSchema):
    """PATCH of a draft: the keys sent change; `lines` replaces every line."""

    vendor_id: UUID | None = None
    storeroom_id: UUID | None = None
    currency: Currency | None = None
    expected_on: date | None = None
    notes: Notes | None = None
    lines: Lines | None = None


class LineRead(ReadSchema):
    id: UUID
    part_id: UUID
    quantity: Decimal
    unit_price: Decimal
    received_quantity: Decimal
    line_total: Decimal
    vendor_part_number: str | None


class PurchaseOrderRead(ReadSchema):
    id: UUID
    organization_id: UUID
    number: str
    vendor_id: UUID
    storeroom_id: UUID
    status: str
    currency: str
    expected_on: date | None
    notes: str | None
    total: Decimal
    submitted_at: datetime | None
    submitted_by: UUID | None
    approved_at: datetime | None
    approved_by: UUID | None
    ordered_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    status_reason: str | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    version: int
    lines: list[LineRead]


class PurchaseOrderSummary(ReadSchema):
    """A list row: the header without its lines."""

    id: UUID
    number: str
    vendor_id: UUID
    storeroom_id: UUID
    status: str
    currency: str
    total: Decimal
    expected_on: date | None
    created_at: datetime
    version: int


class PurchaseOrderQuery(PageQuery):
    status: Status | None = None
    vendor_id: UUID | None = None


class TransitionIn(WriteSchema):
    to: Status
    reason: Reason | None = None


class ReceivedLine(WriteSchema):
    line_id: UUID
    quantity: Quantity


class ReceiptCreate(WriteSchema):
    """What arrived: per line, at most what is still outstanding."""

    lines: Annotated[list[ReceivedLine], Field(min_length=1, max_length=200)]
    note: Reason | None = None


class ReceiptRead(ReadSchema):
    id: UUID
    line_id: UUID
    quantity: Decimal
    movement_id: UUID
    exchange_rate: Decimal
    note: str | None
    received_at: datetime
    received_by: UUID | None


class ReceiptList(ReadSchema):
    items: list[ReceiptRead]


class FromProposals(WriteSchema):
    """Drafts one purchase order per preferred vendor and storeroom from the reorder proposals
    (optionally of one storeroom or vendor). Parts without a preferred vendor are skipped."""

    storeroom_id: UUID | None = None
    vendor_id: UUID | None = None


class ProposalOrders(ReadSchema):
    purchase_orders: list[PurchaseOrderRead]
    # Proposed parts no vendor offers (nothing to order them from yet).
    skipped_part_ids: list[UUID]
