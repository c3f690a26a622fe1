from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from maintainpro.core.pagination import Page
from maintainpro.core.schemas import ReadSchema, WriteSchema

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
# A manual entry's length: more than zero, at most a day.
EntryHours = Annotated[Decimal, Field(gt=0, le=24, max_digits=4, decimal_places=2)]


class LaborEntryRead(ReadSchema):
    """A labor entry; a running timer has no `endedAt`, `hours` nor `cost` yet. `hourlyRate`
    is the rate in force when the entry was made (the person's, else their craft's; none
    known: no cost)."""

    id: UUID
    organization_id: UUID
    work_order_id: UUID
    user_id: UUID
    craft_id: UUID | None
    started_at: datetime
    ended_at: datetime | None
    hours: Decimal | None
    hourly_rate: Decimal | None
    cost: Decimal | None
    note: str | None
    source: str
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class TimerStart(WriteSchema):
    """Starts the caller's timer on a work order. With one already running, `switch` stops it
    first (in the same transaction); without, the start is refused."""

    work_order_id: UUID
    switch: bool = False
    craft_id: UUID | None = None
    note: Note | None = None


class LaborCreate(WriteSchema):
    """A finished entry: `startedAt` and `endedAt`, or `hours` (ending now, or counted from
    `startedAt`). Supervisors and above may record it for someone else (`userId`)."""

    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    hours: EntryHours | None = None
    user_id: UUID | None = None
    craft_id: UUID | None = None
    note: Note | None = None


class LaborUpdate(WriteSchema):
    """PATCH: only the keys sent change; `hours` sets the end from the start. A running timer
    ends through `/labor/timer/stop` only."""

    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    hours: EntryHours | None = None
    note: Note | None = None


class PersonLabor(ReadSchema):
    """One person's finished time on the work order, and whether their timer runs on it."""

    user_id: UUID
    entries: int
    hours: Decimal
    cost: Decimal
    running: bool


class LaborPage(Page[LaborEntryRead]):
    """The entries, oldest first, and per person the totals over all of them (not only this
    page)."""

    people: list[PersonLabor]
