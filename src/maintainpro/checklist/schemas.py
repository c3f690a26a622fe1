from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, JsonValue, StringConstraints, model_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.work_order.schemas import Hours, Priority, Title, WorkOrderType

ItemKind = Literal["pass_fail", "yes_no", "text", "number", "meter_reading", "photo"]
Meaning = Literal["performed", "verified", "reviewed", "approved"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Limit = Annotated[float, Field(allow_inf_nan=False)]
# A checklist holds at most this many items; a work order or template this many checklists.
MAX_ITEMS = 200
MAX_CHECKLISTS = 20
LIMITED = frozenset({"number", "meter_reading"})


class ItemDefinition(WriteSchema):
    """One question of a checklist. `minValue`/`maxValue`/`unit` belong to numbers and meter
    readings; `meterId` (a meter of one of the work order's assets) to meter readings, and may
    be left to the result when the definition cannot know the asset (a template)."""

    label: Label
    kind: ItemKind
    required: bool = False
    min_value: Limit | None = None
    max_value: Limit | None = None
    unit: Unit | None = None
    meter_id: UUID | None = None
    create_follow_up: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        limited = self.min_value is not None or self.max_value is not None or self.unit
        if limited and self.kind not in LIMITED:
            raise ValueError("minValue, maxValue and unit belong to number and meter_reading items")
        if self.meter_id is not None and self.kind != "meter_reading":
            raise ValueError("meterId belongs to meter_reading items")
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            raise ValueError("minValue must not be above maxValue")
        return self


Items = Annotated[list[ItemDefinition], Field(max_length=MAX_ITEMS)]


class ChecklistDefinition(WriteSchema):
    name: Name
    items: Items = Field(default_factory=list)


Definitions = Annotated[list[ChecklistDefinition], Field(max_length=MAX_CHECKLISTS)]


class ItemsCreate(WriteSchema):
    items: Annotated[list[ItemDefinition], Field(min_length=1, max_length=MAX_ITEMS)]


class ResultIn(WriteSchema):
    """The answer to one item: `"pass"`/`"fail"`, `"yes"`/`"no"`, text, a number, a meter
    reading (a number; `meterId` when the item names no meter yet) or a photo (the id of an
    attachment). `createFollowUp` asks for a follow-up work order when the item fails."""

    value: JsonValue
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    meter_id: UUID | None = None
    create_follow_up: bool = False


class ItemRead(ReadSchema):
    id: UUID
    organization_id: UUID
    checklist_id: UUID
    position: int
    label: str
    kind: str
    required: bool
    min_value: float | None
    max_value: float | None
    unit: str | None
    meter_id: UUID | None
    create_follow_up: bool
    status: str
    result_value: JsonValue
    result_attachment_id: UUID | None
    result_note: str | None
    result_by: UUID | None
    result_at: datetime | None
    follow_up_work_order_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None


class ChecklistRead(ReadSchema):
    id: UUID
    organization_id: UUID
    work_order_id: UUID
    name: str
    position: int
    items: list[ItemRead]
    # SHA-256 (hex) of the canonical state a signature would sign now.
    state_hash: str
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None


class ChecklistCreate(ChecklistDefinition):
    pass


class ChecklistList(ReadSchema):
    items: list[ChecklistRead]


class SignatureCreate(WriteSchema):
    meaning: Meaning


class SignatureRead(ReadSchema):
    id: UUID
    organization_id: UUID
    checklist_id: UUID
    signer_id: UUID | None
    meaning: str
    state_hash: str
    signed_at: datetime
    # The checklist's items or results changed after it was signed.
    changed_since: bool


class SignatureList(ReadSchema):
    items: list[SignatureRead]


class PlannedPart(WriteSchema):
    part_id: UUID | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    quantity: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]


class PlannedPartRead(ReadSchema):
    part_id: UUID | None = None
    description: str
    quantity: Decimal


class ItemDefinitionRead(ReadSchema):
    label: str
    kind: str
    required: bool = False
    min_value: float | None = None
    max_value: float | None = None
    unit: str | None = None
    meter_id: UUID | None = None
    create_follow_up: bool = False


class ChecklistDefinitionRead(ReadSchema):
    name: str
    items: list[ItemDefinitionRead]


class TemplateRead(ReadSchema):
    id: UUID
    organization_id: UUID
    title: str
    description: str | None
    type: str
    priority: str
    estimated_hours: Decimal | None
    checklists: list[ChecklistDefinitionRead]
    planned_parts: list[PlannedPartRead]
    problem_code_id: UUID | None
    cause_code_id: UUID | None
    remedy_code_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


Parts = Annotated[list[PlannedPart], Field(max_length=MAX_ITEMS)]


class _TemplateOptional(WriteSchema):
    description: str | None = Field(default=None, max_length=20_000)
    estimated_hours: Hours | None = None
    problem_code_id: UUID | None = None
    cause_code_id: UUID | None = None
    remedy_code_id: UUID | None = None


class TemplateCreate(_TemplateOptional):
    title: Title
    type: WorkOrderType = "corrective"
    priority: Priority = "medium"
    checklists: Definitions = Field(default_factory=list)
    planned_parts: Parts = Field(default_factory=list)


class TemplateUpdate(_TemplateOptional):
    """PATCH: only the keys sent change; `checklists` and `plannedParts` are replaced whole."""

    title: Title | None = None
    type: WorkOrderType | None = None
    priority: Priority | None = None
    checklists: Definitions | None = None
    planned_parts: Parts | None = None


class TemplateFilter(PageQuery):
    type: WorkOrderType | None = None
