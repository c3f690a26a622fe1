from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import QuerySchema, ReadSchema, WriteSchema

Kind = Literal["counter", "gauge"]
Reset = Literal["rollover", "replacement"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_BATCH = 5_000  # the largest such body fits under http.max_body_bytes


class MeterRead(ReadSchema):
    id: UUID
    organization_id: UUID
    asset_id: UUID
    name: str
    unit: str
    kind: str
    rollover_value: float | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class MeterCreate(WriteSchema):
    asset_id: UUID
    name: Name
    unit: Unit
    kind: Kind
    rollover_value: float | None = Field(default=None, gt=0)


class MeterUpdate(WriteSchema):
    name: Name | None = None
    unit: Unit | None = None
    rollover_value: float | None = Field(default=None, gt=0)


class MeterFilter(PageQuery):
    asset_id: UUID | None = None


class ReadingIn(WriteSchema):
    value: float = Field(allow_inf_nan=False)
    measured_at: AwareDatetime
    source: Source | None = None
    reset: Reset | None = None


class BulkReadingIn(ReadingIn):
    meter_id: UUID


class BulkReadings(WriteSchema):
    readings: list[BulkReadingIn] = Field(min_length=1, max_length=MAX_BATCH)


class ReadingRead(ReadSchema):
    id: UUID
    organization_id: UUID
    meter_id: UUID
    measured_at: datetime
    value: float
    source: str | None
    reset: str | None
    created_at: datetime


class ItemResult(ReadSchema):
    """`duplicate`: stored before with the same value; `conflict`: the same meter, time and
    source is stored with another value; `rejected`: see `code` (`unknown_meter`, `future`,
    `reset_not_counter`, `no_partition`, `counter_backwards`, `counter_ahead`) and `reason`."""

    index: int
    status: Literal["stored", "duplicate", "conflict", "rejected"]
    code: str | None = None
    reason: str | None = None


class BatchResult(ReadSchema):
    batch_id: UUID
    stored: int
    duplicates: int
    conflicts: int
    rejected: int
    results: list[ItemResult]


class ReadingFilter(PageQuery):
    since: AwareDatetime | None = Field(default=None, alias="from")
    until: AwareDatetime | None = Field(default=None, alias="to")


BUCKETS = {
    "1m": timedelta(minutes=1),
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
    "1mo": timedelta(days=28),  # the shortest month, for the bucket count bound
}
LOCAL_UNITS = {"1h": "hour", "1d": "day", "1w": "week", "1mo": "month"}
MAX_POINTS = 5000


class SeriesQuery(QuerySchema):
    since: AwareDatetime = Field(alias="from")
    until: AwareDatetime = Field(alias="to")
    bucket: Literal["1m", "15m", "1h", "1d", "1w", "1mo"] = "1h"

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.since >= self.until:
            raise ValueError("`from` must be before `to`")
        if (self.until - self.since) / BUCKETS[self.bucket] > MAX_POINTS:
            raise ValueError(f"at most {MAX_POINTS} buckets: widen the bucket or narrow the range")
        return self


class SeriesPoint(ReadSchema):
    bucket_start: datetime
    count: int
    avg: float
    min: float
    max: float
