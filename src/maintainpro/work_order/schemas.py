from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema

WorkOrderType = Literal[
    "corrective", "preventive", "emergency", "inspection", "predictive", "improvement"
]
Priority = Literal["low", "medium", "high", "critical"]
Status = Literal[
    "new", "assigned", "in_progress", "on_hold", "completed", "verified", "closed", "cancelled"
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Hours = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
# A work order names at most this many assets and assignees.
MAX_LINKS = 50
Ids = Annotated[list[UUID], Field(max_length=MAX_LINKS)]


class WorkOrderRead(ReadSchema):
    id: UUID
    organization_id: UUID
    number: str
    title: str
    description: str | None
    type: str
    priority: str
    status: str
    location_id: UUID | None
    site_id: UUID | None
    requester_id: UUID | None
    team_id: UUID | None
    parent_work_order_id: UUID | None
    template_id: UUID | None
    asset_ids: list[UUID]
    assignee_ids: list[UUID]
    reported_at: datetime
    due_at: datetime | None
    scheduled_start_at: datetime | None
    scheduled_end_at: datetime | None
    estimated_hours: Decimal | None
    actual_hours: Decimal
    labor_cost: Decimal
    parts_cost: Decimal
    other_cost: Decimal
    asset_down: bool
    problem_code_id: UUID | None
    cause_code_id: UUID | None
    remedy_code_id: UUID | None
    status_changed_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    completed_by: UUID | None
    verified_at: datetime | None
    verified_by: UUID | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class _Window(WriteSchema):
    scheduled_start_at: AwareDatetime | None = None
    scheduled_end_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        start, end = self.scheduled_start_at, self.scheduled_end_at
        if start is not None and end is not None and end < start:
            raise ValueError("scheduledEndAt must not be before scheduledStartAt")
        return self


class _Optional(_Window):
    description: str | None = Field(default=None, max_length=20_000)
    location_id: UUID | None = None
    team_id: UUID | None = None
    due_at: AwareDatetime | None = None
    estimated_hours: Hours | None = None
    other_cost: Money | None = None
    problem_code_id: UUID | None = None
    cause_code_id: UUID | None = None
    remedy_code_id: UUID | None = None


class WorkOrderCreate(_Optional):
    # Required unless `templateId` names a template to take it from.
    title: Title | None = None
    type: WorkOrderType = "corrective"
    priority: Priority = "medium"
    asset_ids: Ids = Field(default_factory=list)
    assignee_ids: Ids = Field(default_factory=list)
    # Defaults to the caller; an integration may file work on behalf of a person.
    requester_id: UUID | None = None
    parent_work_order_id: UUID | None = None
    # When the problem was seen (defaults to now); the downtime of `assetDown` starts there.
    reported_at: AwareDatetime | None = None
    asset_down: bool = False
    # Copies the template's fields where this request leaves them unset, and its checklists.
    template_id: UUID | None = None


class WorkOrderUpdate(_Optional):
    """PATCH: only the keys sent change; `null` clears an optional field. Status moves through
    the transitions endpoint, never here."""

    title: Title | None = None
    type: WorkOrderType | None = None
    priority: Priority | None = None
    asset_ids: Ids | None = None
    assignee_ids: Ids | None = None


class TransitionRequest(WriteSchema):
    to: Status
    reason: Reason | None = None
    # `assigned` may name the assignees in the same call.
    assignee_ids: Ids | None = None
    team_id: UUID | None = None
    # `completed` may record the failure data in the same call.
    problem_code_id: UUID | None = None
    cause_code_id: UUID | None = None
    remedy_code_id: UUID | None = None


class TransitionRead(ReadSchema):
    id: UUID
    work_order_id: UUID
    from_status: str | None
    to_status: str
    reason: str | None
    actor_id: UUID | None
    occurred_at: datetime


class StatusTime(ReadSchema):
    status: str
    seconds: float


class EscalationRead(ReadSchema):
    """One escalation: by a rule (`automatic`, at `level`; `sequence` counts re-escalations
    at its last level) or by hand with a reason; `actions` is what it did."""

    id: UUID
    work_order_id: UUID
    rule_id: UUID | None
    kind: str
    level: int
    sequence: int
    reason: str | None
    actions: dict[str, Any]
    escalated_by: UUID | None
    created_at: datetime


class WorkOrderHistory(ReadSchema):
    items: list[TransitionRead]
    # Time spent in each status so far (the current one up to now).
    time_in_status: list[StatusTime]
    # Every escalation, newest first.
    escalations: list[EscalationRead]


SortKey = Literal[
    "createdAt", "-createdAt", "dueAt", "-dueAt", "priority", "-priority", "number", "-number"
]


class WorkOrderFilter(PageQuery):
    status: list[Status] | None = Field(default=None, max_length=8)
    priority: list[Priority] | None = Field(default=None, max_length=4)
    type: WorkOrderType | None = None
    assignee_id: UUID | None = None
    assigned_to_me: bool = False
    team_id: UUID | None = None
    requester_id: UUID | None = None
    asset_id: UUID | None = None
    location_id: UUID | None = None
    due_before: AwareDatetime | None = None
    due_after: AwareDatetime | None = None
    overdue: bool = False
    q: str | None = Field(default=None, min_length=1, max_length=200)
    sort: SortKey = "-createdAt"


class BulkAssign(WriteSchema):
    ids: Annotated[list[UUID], Field(min_length=1, max_length=100)]
    assignee_ids: Ids | None = None
    team_id: UUID | None = None

    @model_validator(mode="after")
    def _someone(self) -> Self:
        if not self.assignee_ids and self.team_id is None:
            raise ValueError("name assigneeIds or a teamId")
        return self


class BulkTransition(WriteSchema):
    ids: Annotated[list[UUID], Field(min_length=1, max_length=100)]
    to: Status
    reason: Reason | None = None


class BulkItem(ReadSchema):
    id: UUID
    status: int
    work_order: WorkOrderRead | None = None
    error: dict[str, object] | None = None


class BulkResult(ReadSchema):
    items: list[BulkItem]
