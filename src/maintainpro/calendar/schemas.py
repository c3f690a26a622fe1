from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from maintainpro.core.schemas import QuerySchema, ReadSchema, WriteSchema

CalendarScope = Literal["user", "organization"]
# The longest window one JSON call may ask for.
MAX_WINDOW = timedelta(days=366)


class ScopeQuery(QuerySchema):
    # `user`: work assigned to the caller (in person or through a team); `organization`: every
    # scheduled work order (managers and admins).
    scope: CalendarScope = "user"


class EventQuery(ScopeQuery):
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.to <= self.from_:
            raise ValueError("`to` must be after `from`")
        if self.to - self.from_ > MAX_WINDOW:
            raise ValueError("the window may span 366 days at most")
        return self


class EventRead(ReadSchema):
    id: UUID
    organization_id: UUID
    kind: str
    work_order_id: UUID | None
    # An upcoming occurrence of this PM schedule (kind pm_occurrence) before its work order.
    pm_schedule_id: UUID | None
    title: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    site_id: UUID | None
    updated_at: datetime


class EventList(ReadSchema):
    items: list[EventRead]


class FeedCreate(WriteSchema):
    scope: CalendarScope = "user"


class FeedCreated(ReadSchema):
    id: UUID
    url: str


class FeedRead(ReadSchema):
    id: UUID
    organization_id: UUID
    user_id: UUID
    scope: str
    created_at: datetime
    revoked_at: datetime | None
