"""An escalation rule's clock: minutes of calendar time, or of the organization's business hours
(`settings.businessHours` of the organization, in its time zone; Monday to Friday, 08:00 to
17:00 where it sets none). Local opening times are placed in the zone day by day, so a DST
change shortens or lengthens that day's hours as it does on the shop floor."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError, model_validator

from maintainpro.core.schemas import WriteSchema

WEEK = 7
Weekdays = Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)]


class BusinessHours(WriteSchema):
    """Open on `days` (ISO weekdays, 1 is Monday) from `start` to `end`, local time."""

    days: Weekdays = [1, 2, 3, 4, 5]
    start: time = time(8)
    end: time = time(17)

    @model_validator(mode="after")
    def _opens_before_closing(self) -> Self:
        if self.end <= self.start:
            raise ValueError("`end` must be after `start`")
        return self


DEFAULT_HOURS = BusinessHours()


def business_hours(settings: dict[str, Any]) -> BusinessHours:
    """The organization's hours; the default where unset (the organization's PATCH validates
    them, so a stored value that does not parse predates that check)."""
    try:
        return BusinessHours.model_validate(settings.get("businessHours") or {})
    except ValidationError:
        return DEFAULT_HOURS


def _window(day: date, hours: BusinessHours, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day's opening hours as instants (astimezone: DST-aware arithmetic is in UTC)."""
    opens = datetime.combine(day, hours.start, zone).astimezone(UTC)
    closes = datetime.combine(day, hours.end, zone).astimezone(UTC)
    return opens, closes


def _open_within(
    day: date, hours: BusinessHours, zone: ZoneInfo, since: datetime, until: datetime
) -> float:
    if day.isoweekday() not in hours.days:
        return 0.0
    opens, closes = _window(day, hours, zone)
    return max(0.0, (min(closes, until) - max(opens, since)).total_seconds() / 60)


def _week_minutes(hours: BusinessHours) -> float:
    daily = datetime.combine(date.min, hours.end) - datetime.combine(date.min, hours.start)
    return len(set(hours.days)) * daily.total_seconds() / 60


def business_minutes(
    since: datetime, until: datetime, hours: BusinessHours, zone: ZoneInfo
) -> float:
    """Open minutes between two instants. The whole weeks between the first and the last week
    count a week's worth each (a DST hour is below the clock's resolution), so the cost stays
    bounded however long ago `since` is."""
    if until <= since:
        return 0.0
    first, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    weeks = max(0, (last - first).days // WEEK - 1)
    skipped = first + timedelta(days=WEEK), first + timedelta(days=WEEK * (weeks + 1))
    total, day = weeks * _week_minutes(hours), first
    while day <= last:
        if weeks and day == skipped[0]:
            day = skipped[1]
            continue
        total += _open_within(day, hours, zone, since, until)
        day += timedelta(days=1)
    return total


def elapsed_minutes(
    since: datetime, until: datetime, clock: str, hours: BusinessHours, zone: ZoneInfo
) -> float:
    if clock == "business_hours":
        return business_minutes(since, until, hours, zone)
    return max(0.0, (until - since).total_seconds() / 60)
