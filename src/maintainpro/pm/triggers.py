"""What makes a PM schedule due, as the API takes it, and the calendar arithmetic behind it.

Times of day are the organization's local times: a fixed rule (RFC 5545 RRULE) is expanded on
naive local times and each occurrence is then placed in the time zone, so 09:00 stays 09:00
across a DST change. Intervals (floating, time-or-meter) are added in local time as well.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Literal, Self
from uuid import UUID
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr
from pydantic import Field, NaiveDatetime, model_validator

from maintainpro.core.schemas import WriteSchema

Unit = Literal["day", "week", "month", "year"]
Every = Annotated[int, Field(ge=1, le=3650)]
Amount = Annotated[float, Field(gt=0, le=1e12)]
# At most this many occurrences are expanded per call: a rule can be endless.
EXPANSION_LIMIT = 1000


class TimeTrigger(WriteSchema):
    """`fixed`: the occurrences of `rule` from `start` (local time), whatever happens to the
    work. `floating`: `every` `unit` after the last completion (the first at `start`)."""

    kind: Literal["time"]
    mode: Literal["fixed", "floating"] = "fixed"
    start: NaiveDatetime
    rule: Annotated[str, Field(min_length=6, max_length=500)] | None = None
    every: Every | None = None
    unit: Unit = "day"

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.mode == "fixed":
            if self.rule is None:
                raise ValueError("a fixed schedule needs `rule` (an RFC 5545 RRULE)")
            parse_rule(self.rule, self.start)
        elif self.every is None:
            raise ValueError("a floating schedule needs `every`")
        return self


class MeterTrigger(WriteSchema):
    """Due every `every` units the meter runs: counted from the last trigger (`since`
    "trigger": at 500, 1,000, 1,500...) or from the last completion ("completion")."""

    kind: Literal["meter"]
    meter_id: UUID
    every: Amount
    since: Literal["trigger", "completion"] = "trigger"


class ConditionTrigger(WriteSchema):
    """Due when a gauge reads at or `above` (or at or `below`) a threshold; it fires once per
    excursion and is armed again only when the gauge comes back past `rearm`."""

    kind: Literal["condition"]
    meter_id: UUID
    above: float | None = None
    below: float | None = None
    rearm: float

    @model_validator(mode="after")
    def _one_side(self) -> Self:
        if (self.above is None) == (self.below is None):
            raise ValueError("name exactly one of `above` and `below`")
        if self.above is not None and self.rearm >= self.above:
            raise ValueError("`rearm` must be below `above`")
        if self.below is not None and self.rearm <= self.below:
            raise ValueError("`rearm` must be above `below`")
        return self

    def crossed(self, value: float) -> bool:
        return value >= self.above if self.above is not None else value <= (self.below or 0)

    def rearmed(self, value: float) -> bool:
        return value <= self.rearm if self.above is not None else value >= self.rearm


class TimeOrMeterTrigger(WriteSchema):
    """Due `every` `unit` or `meterEvery` units of the meter, whichever comes first; the first
    time at `start`; a completion starts both again."""

    kind: Literal["time_or_meter"]
    start: NaiveDatetime
    every: Every
    unit: Unit = "day"
    meter_id: UUID
    meter_every: Amount


Trigger = Annotated[
    TimeTrigger | MeterTrigger | ConditionTrigger | TimeOrMeterTrigger,
    Field(discriminator="kind"),
]
MeterBased = MeterTrigger | ConditionTrigger | TimeOrMeterTrigger


COARSE = frozenset({"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"})


def _frequency(rule: str) -> str:
    parts = dict(part.partition("=")[::2] for part in rule.upper().split(";"))
    return parts.get("FREQ", "")


@lru_cache(maxsize=512)
def parse_rule(rule: str, start: datetime) -> rrule:
    """The rule from `start`; ValueError for anything that is not a plain RRULE at hourly or
    coarser frequency (a DTSTART, an RDATE or a minute-by-minute rule is not a PM schedule)."""
    text = rule.removeprefix("RRULE:")
    if any(part in text.upper() for part in ("DTSTART", "RDATE", "EXDATE", "\n")):
        raise ValueError("`rule` is one RRULE without DTSTART, RDATE or EXDATE")
    try:
        # Cached occurrences: the scheduler and the forecast walk the same rules again.
        parsed = rrulestr(text, dtstart=start, cache=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"`rule` is not a valid RRULE: {exc}") from exc
    if not isinstance(parsed, rrule) or _frequency(text) not in COARSE:
        raise ValueError("`rule` must repeat hourly or less often")
    return parsed


def placed(local: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time in the zone, as UTC (a time skipped by DST lands after the
    gap)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone).replace(tzinfo=None)


def fixed_between(
    trigger: TimeTrigger, zone: ZoneInfo, after: datetime, until: datetime
) -> list[datetime]:
    """The rule's occurrences strictly after `after` and at or before `until` (aware)."""
    assert trigger.rule is not None
    rule = parse_rule(trigger.rule, trigger.start)
    found: list[datetime] = []
    cursor = local(after, zone)
    while len(found) < EXPANSION_LIMIT:
        following = rule.after(cursor, inc=False)
        if following is None:
            break
        at = placed(following, zone)
        if at > until:
            break
        if at > after:
            found.append(at)
        cursor = following
    return found


def fixed_next(trigger: TimeTrigger, zone: ZoneInfo, after: datetime) -> datetime | None:
    assert trigger.rule is not None
    rule = parse_rule(trigger.rule, trigger.start)
    cursor = local(after, zone)
    while (following := rule.after(cursor, inc=False)) is not None:
        at = placed(following, zone)
        if at > after:
            return at
        cursor = following
    return None


def plus(at: datetime, every: int, unit: Unit, zone: ZoneInfo) -> datetime:
    """`at` moved on by the interval in local time (a month later is the same day and time)."""
    step = {
        "day": relativedelta(days=every),
        "week": relativedelta(weeks=every),
        "month": relativedelta(months=every),
        "year": relativedelta(years=every),
    }[unit]
    return placed(local(at, zone) + step, zone)


def first_due(trigger: TimeTrigger | TimeOrMeterTrigger, zone: ZoneInfo) -> datetime | None:
    """The first time the schedule is due: the first occurrence of a fixed rule at or after its
    start, or the start itself."""
    start = placed(trigger.start, zone)
    if isinstance(trigger, TimeTrigger) and trigger.mode == "fixed":
        return fixed_next(trigger, zone, start - timedelta(microseconds=1))
    return start
