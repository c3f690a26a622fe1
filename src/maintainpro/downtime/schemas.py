from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, ValidationInfo, field_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import QuerySchema, ReadSchema, WriteSchema

Kind = Literal["planned", "unplanned"]
ReasonCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Notes = Annotated[str, StringConstraints(max_length=2000)]
MAX_SPAN = timedelta(days=366)


class DowntimeRead(ReadSchema):
    id: UUID
    organization_id: UUID
    asset_id: UUID
    started_at: datetime
    ended_at: datetime | None
    kind: str
    reason_code: str | None
    notes: str | None
    work_order_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class DowntimeCreate(WriteSchema):
    """Leave `endedAt` out while the asset is still down."""

    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    kind: Kind
    reason_code: ReasonCode | None = None
    notes: Notes | None = None
    work_order_id: UUID | None = None


class DowntimeUpdate(WriteSchema):
    """PATCH: only the keys sent change; `{"endedAt": ...}` ends an open event."""

    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    kind: Kind | None = None
    reason_code: ReasonCode | None = None
    notes: Notes | None = None
    work_order_id: UUID | None = None


class DowntimeFilter(PageQuery):
    """`from`/`to` keep the events overlapping that window; `open` keeps ongoing (or ended)."""

    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    open: bool | None = None


class AvailabilityQuery(QuerySchema):
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime

    @field_validator("to")
    @classmethod
    def _period(cls, to: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("from_")
        if start is None:  # `from` itself failed and is reported on its own
            return to
        if to <= start:
            raise ValueError("must be after from")
        if to - start > MAX_SPAN:
            raise ValueError("the period may span at most 366 days")
        return to


class AvailabilityRead(ReadSchema):
    asset_id: UUID
    from_: datetime = Field(alias="from")
    to: datetime
    period_seconds: float
    downtime_seconds: float
    planned_downtime_seconds: float
    unplanned_downtime_seconds: float
    uptime_seconds: float
    availability: float
