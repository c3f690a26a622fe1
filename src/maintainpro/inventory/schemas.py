"""Inventory on the wire: parts, stock per storeroom, ledger movements and parts on work
orders. Quantities are decimals to the thousandth, unit costs to the ten-thousandth."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import QuerySchema, ReadSchema, WriteSchema

Criticality = Literal["low", "medium", "high", "critical"]
PartNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Barcode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Bin = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Description = Annotated[str, StringConstraints(max_length=10_000)]
SearchTerms = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# More than nothing, less than the column's 11 integer digits.
Quantity = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=3)]
SignedQuantity = Annotated[Decimal, Field(max_digits=14, decimal_places=3)]
Level = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3)]
UnitCost = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]


class PartRead(ReadSchema):
    id: UUID
    organization_id: UUID
    part_number: str
    name: str
    description: str | None
    category: str | None
    unit: str
    manufacturer: str | None
    manufacturer_part_number: str | None
    barcode: str | None
    criticality: str
    default_unit_cost: Decimal
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class PartCreate(WriteSchema):
    part_number: PartNumber
    name: Name
    description: Description | None = None
    category: Short | None = None
    unit: Unit = "each"
    manufacturer: Name | None = None
    manufacturer_part_number: Short | None = None
    barcode: Barcode | None = None
    criticality: Criticality = "medium"
    default_unit_cost: UnitCost = Decimal(0)


class PartUpdate(WriteSchema):
    """PATCH: only the keys sent change; the optional texts may be cleared with null."""

    part_number: PartNumber | None = None
    name: Name | None = None
    description: Description | None = None
    category: Short | None = None
    unit: Unit | None = None
    manufacturer: Name | None = None
    manufacturer_part_number: Short | None = None
    barcode: Barcode | None = None
    criticality: Criticality | None = None
    default_unit_cost: UnitCost | None = None


class PartQuery(PageQuery):
    """`q` searches number, name, barcode, manufacturer data and description (ranked); the
    other filters narrow the catalogue (in name order without `q`)."""

    q: SearchTerms | None = None
    category: Short | None = None
    barcode: Barcode | None = None
    # Parts stocked in this storeroom (with `belowReorderPoint`: low there).
    storeroom_id: UUID | None = None
    below_reorder_point: bool = False
    # Parts this vendor offers.
    vendor_id: UUID | None = None


class StockRead(ReadSchema):
    """A part in one storeroom. `available` is what can still be issued or reserved."""

    id: UUID
    part_id: UUID
    storeroom_id: UUID
    bin: str | None
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    min_quantity: Decimal | None
    reorder_point: Decimal | None
    max_quantity: Decimal | None
    average_unit_cost: Decimal
    updated_at: datetime
    version: int


class StockList(ReadSchema):
    items: list[StockRead]


class StockSettings(WriteSchema):
    """PUT of a part's levels in a storeroom (created on first use): the bin and the levels
    that make it low (`reorderPoint`) and what a reorder fills it up to (`maxQuantity`)."""

    bin: Bin | None = None
    min_quantity: Level | None = None
    reorder_point: Level | None = None
    max_quantity: Level | None = None

    @model_validator(mode="after")
    def _max_covers_reorder_point(self) -> StockSettings:
        low, high = self.reorder_point, self.max_quantity
        if low is not None and high is not None and high < low:
            raise ValueError("maxQuantity must be at least reorderPoint")
        return self


MovementKind = Literal["receipt", "adjustment", "transfer", "count"]


class MovementCreate(WriteSchema):
    """A movement the stores record by hand: a `receipt` (positive `quantity` at `unitCost`,
    default the part's), an `adjustment` (signed `quantity`, a `reason`), a `transfer` to
    `toStoreroomId` (at the source's average cost) or a `count` (`quantity` is the counted
    quantity; the difference is posted). Issues and returns are made on work orders; a
    mistake is reversed by `POST /stock-movements/{id}/reverse`."""

    part_id: UUID
    storeroom_id: UUID
    kind: MovementKind
    quantity: SignedQuantity
    unit_cost: UnitCost | None = None
    to_storeroom_id: UUID | None = None
    reason: Reason | None = None


class MovementReverse(WriteSchema):
    reason: Reason


class MovementRead(ReadSchema):
    id: UUID
    part_id: UUID
    storeroom_id: UUID
    kind: str
    quantity: Decimal
    unit_cost: Decimal
    balance_after: Decimal
    work_order_id: UUID | None
    usage_id: UUID | None
    reverses_id: UUID | None
    transfer_id: UUID | None
    reason: str | None
    occurred_at: datetime
    created_by: UUID | None


class MovementList(ReadSchema):
    """The movements one request wrote (a transfer writes two)."""

    items: list[MovementRead]


class MovementQuery(PageQuery):
    part_id: UUID | None = None
    storeroom_id: UUID | None = None
    work_order_id: UUID | None = None


class UsageCreate(WriteSchema):
    """A part on a work order. `planned` (the default) plans it and reserves what is
    available of `quantity` (`reservedQuantity` shows a shortage); `planned: false` records a
    use: the quantity is issued from stock at once."""

    part_id: UUID
    storeroom_id: UUID
    quantity: Quantity
    planned: bool = True
    notes: Reason | None = None


class UsageIssue(WriteSchema):
    """Issues `quantity` (default: what is planned and not yet issued) from the line's
    storeroom, its reservation first."""

    quantity: Quantity | None = None


class UsageReturn(WriteSchema):
    """Puts `quantity` of what was issued back into the line's storeroom."""

    quantity: Quantity
    reason: Reason | None = None


class UsageRead(ReadSchema):
    id: UUID
    work_order_id: UUID
    part_id: UUID
    storeroom_id: UUID
    planned: bool
    planned_quantity: Decimal
    reserved_quantity: Decimal
    issued_quantity: Decimal
    returned_quantity: Decimal
    cost: Decimal
    notes: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class UsageList(ReadSchema):
    items: list[UsageRead]
    # The work order's parts cost: the sum of every line's cost.
    parts_cost: Decimal


class ReorderProposal(ReadSchema):
    """A part whose position (available plus on order) is at or below its reorder point in a
    storeroom: how much to order to bring the position to its maximum (at least the vendor's
    minimum) and from whom."""

    part_id: UUID
    part_number: str
    part_name: str
    storeroom_id: UUID
    available: Decimal
    on_order: Decimal  # outstanding on open purchase orders (drafts included) into the storeroom
    reorder_point: Decimal
    max_quantity: Decimal | None
    quantity: Decimal
    vendor_id: UUID | None
    vendor_part_number: str | None
    unit_price: Decimal | None
    currency: str | None
    lead_time_days: int | None


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
LeadTime = Annotated[int, Field(ge=0, le=3650)]


class VendorPartCreate(WriteSchema):
    vendor_id: UUID
    vendor_part_number: Short | None = None
    price: UnitCost
    currency: Currency = "EUR"
    lead_time_days: LeadTime | None = None
    minimum_order_quantity: Quantity | None = None
    # Preferring this offer takes the preference from the part's other offers.
    preferred: bool = False


class VendorPartUpdate(WriteSchema):
    vendor_part_number: Short | None = None
    price: UnitCost | None = None
    currency: Currency | None = None
    lead_time_days: LeadTime | None = None
    minimum_order_quantity: Quantity | None = None
    preferred: bool | None = None


class VendorPartRead(ReadSchema):
    id: UUID
    vendor_id: UUID
    part_id: UUID
    vendor_part_number: str | None
    price: Decimal
    currency: str
    lead_time_days: int | None
    minimum_order_quantity: Decimal | None
    preferred: bool
    created_at: datetime
    updated_at: datetime
    version: int


class VendorPartList(ReadSchema):
    items: list[VendorPartRead]


class StoreroomValue(ReadSchema):
    """A storeroom's stock at its moving-average cost; `turns` is the last twelve months'
    net issues over that value (none when the storeroom holds nothing)."""

    storeroom_id: UUID
    value: Decimal
    stock_rows: int
    low_rows: int
    issued_last_year: Decimal
    turns: Decimal | None


class IssuedPeriod(ReadSchema):
    """Net issues (issues less returns, at their costs) of a storeroom in one month."""

    storeroom_id: UUID
    period: date
    issued_value: Decimal
    movements: int


class IssuesQuery(QuerySchema):
    """Months from `since` to `until` (inclusive), at most five years."""

    since: date
    until: date

    @model_validator(mode="after")
    def _a_bounded_range(self) -> IssuesQuery:
        if self.until < self.since:
            raise ValueError("until must not be before since")
        if (self.until - self.since).days > 5 * 366:
            raise ValueError("at most five years at once")
        return self


class CountOpen(WriteSchema):
    storeroom_id: UUID
    bin_prefix: Bin | None = None
    category: Short | None = None
    note: Reason | None = None


class CountedLine(WriteSchema):
    part_id: UUID
    counted_quantity: Level


class CountRecord(WriteSchema):
    lines: Annotated[list[CountedLine], Field(min_length=1, max_length=500)]


class CountLineRead(ReadSchema):
    id: UUID
    part_id: UUID
    expected_quantity: Decimal
    counted_quantity: Decimal | None
    balance_when_counted: Decimal | None
    counted_at: datetime | None
    counted_by: UUID | None
    movement_id: UUID | None


class CountSummary(ReadSchema):
    id: UUID
    storeroom_id: UUID
    status: str
    bin_prefix: str | None
    category: str | None
    note: str | None
    created_at: datetime
    created_by: UUID | None
    posted_at: datetime | None
    posted_by: UUID | None
    version: int


class CountRead(CountSummary):
    lines: list[CountLineRead]


class CountQuery(PageQuery):
    storeroom_id: UUID | None = None
    status: Literal["open", "posted", "cancelled"] | None = None


class AssetPartRead(ReadSchema):
    """A spare part of an asset: how many the asset takes, what the stores have available."""

    part_id: UUID
    part_number: str
    name: str
    unit: str
    quantity: Decimal
    available: Decimal


class AssetPartList(ReadSchema):
    items: list[AssetPartRead]


class AssetPartFit(WriteSchema):
    quantity: Quantity = Decimal(1)
