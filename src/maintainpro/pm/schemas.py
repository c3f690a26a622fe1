"""/api/v1/pm-schedules and /api/v1/pm-forecast on the wire."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import QuerySchema, ReadSchema, WriteSchema
from maintainpro.pm.triggers import Trigger

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AssetIds = Annotated[list[UUID], Field(min_length=1, max_length=100)]
LeadDays = Annotated[int, Field(ge=0, le=365)]
Missed = Literal["skip", "one", "all"]


class ScheduleCreate(WriteSchema):
    """A template done on assets (all of one site) when `trigger` says so. `leadDays` creates
    the work order that many days before it is due; `missed` says what happens to occurrences
    the scheduler reaches more than an hour late (skip them, create one, create all)."""

    name: Name
    template_id: UUID
    asset_ids: AssetIds
    trigger: Trigger
    craft_id: UUID | None = None
    lead_days: LeadDays = 0
    missed: Missed = "one"
    paused: bool = False


class ScheduleUpdate(WriteSchema):
    """PATCH: the keys sent change; a new `trigger` starts the schedule's clock afresh."""

    name: Name | None = None
    template_id: UUID | None = None
    asset_ids: AssetIds | None = None
    trigger: Trigger | None = None
    craft_id: UUID | None = None
    lead_days: LeadDays | None = None
    missed: Missed | None = None
    paused: bool | None = None


class ScheduleRead(ReadSchema):
    id: UUID
    name: str
    template_id: UUID
    site_id: UUID
    craft_id: UUID | None
    asset_ids: list[UUID]
    trigger: dict[str, Any]
    lead_days: int
    missed: str
    paused: bool
    next_due_at: datetime | None
    meter_total: float
    meter_due_total: float | None
    # For meter triggers: when the meter reaches its mark at its average use of the last 30 days.
    projected_due_at: datetime | None = None
    awaiting_completion: bool
    last_generated_at: datetime | None
    last_completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class ScheduleFilter(PageQuery):
    template_id: UUID | None = None
    asset_id: UUID | None = None


class OccurrenceRead(ReadSchema):
    id: UUID
    schedule_id: UUID
    key: str
    reason: str
    due_at: datetime
    work_order_id: UUID | None
    created_at: datetime


class RunResult(ReadSchema):
    """What one run generated."""

    occurrences: list[OccurrenceRead]


class ForecastQuery(QuerySchema):
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    site_id: UUID | None = None


class ForecastItem(ReadSchema):
    schedule_id: UUID
    name: str
    due_at: datetime
    site_id: UUID
    craft_id: UUID | None
    estimated_hours: Decimal | None
    # "scheduled": a calendar rule; "projected": from the meter's average use or an interval
    # counted from an assumed on-time completion.
    basis: str


class ForecastTotal(ReadSchema):
    month: date
    site_id: UUID
    craft_id: UUID | None
    occurrences: int
    estimated_hours: Decimal


class Forecast(ReadSchema):
    since: datetime
    until: datetime
    items: list[ForecastItem]
    totals: list[ForecastTotal]
