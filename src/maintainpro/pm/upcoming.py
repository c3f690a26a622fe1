"""The occurrences a schedule will have in a window: exact for a calendar rule, projected for
the rest (an interval counted from an on-time completion, a meter at its average use). A
condition trigger cannot be foreseen and has none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from maintainpro.models import PmSchedule
from maintainpro.pm import triggers
from maintainpro.pm.state import trigger_of
from maintainpro.pm.triggers import MeterTrigger, TimeOrMeterTrigger, TimeTrigger

SCHEDULED, PROJECTED = "scheduled", "projected"


@dataclass(frozen=True, slots=True)
class Upcoming:
    due_at: datetime
    basis: str


def occurrences(
    schedule: PmSchedule,
    zone: ZoneInfo,
    since: datetime,
    until: datetime,
    meter_due_at: datetime | None,
    meter_per_second: float | None,
    limit: int,
) -> list[Upcoming]:
    """Up to `limit` occurrences due in [since, until]. `meter_due_at` is the projected time of
    the meter's next mark and `meter_per_second` its average use (None when it is not moving)."""
    if schedule.paused_at is not None or schedule.deleted_at is not None:
        return []
    trigger = trigger_of(schedule)
    if isinstance(trigger, TimeTrigger) and trigger.mode == "fixed":
        due = schedule.next_due_at
        if due is None:
            return []
        first = [due] if since <= due <= until else []
        rest = triggers.fixed_between(trigger, zone, max(due, since - _TICK), until)
        return [Upcoming(at, SCHEDULED) for at in [*first, *rest][:limit]]
    steps = _steps(schedule, trigger, zone, meter_due_at, meter_per_second)
    found: list[Upcoming] = []
    for at, basis in steps:
        if at > until or len(found) >= limit:
            break
        if at >= since:
            found.append(Upcoming(at, basis))
    return found


_TICK = timedelta(microseconds=1)
_STEPS = 2000  # a bound on the walk through a long window


def _steps(
    schedule: PmSchedule,
    trigger: triggers.Trigger,
    zone: ZoneInfo,
    meter_due_at: datetime | None,
    per_second: float | None,
) -> list[tuple[datetime, str]]:
    """The projected series: the next due time, then one interval after each (an interval
    counted from completion is assumed completed when due)."""
    meter_step = None
    if isinstance(trigger, MeterTrigger | TimeOrMeterTrigger) and per_second:
        every = trigger.every if isinstance(trigger, MeterTrigger) else trigger.meter_every
        meter_step = timedelta(seconds=every / per_second)
    time_next = None if isinstance(trigger, MeterTrigger) else schedule.next_due_at
    meter_next = meter_due_at
    series: list[tuple[datetime, str]] = []
    while len(series) < _STEPS and (time_next is not None or meter_next is not None):
        candidates = [at for at in (time_next, meter_next) if at is not None]
        at = min(candidates)
        # Only the next time due is known; the rest assume each is completed when due.
        known = not series and at == time_next and not schedule.awaiting_completion
        series.append((at, SCHEDULED if known else PROJECTED))
        if isinstance(trigger, TimeTrigger | TimeOrMeterTrigger) and trigger.every is not None:
            time_next = triggers.plus(at, trigger.every, trigger.unit, zone)
        else:
            time_next = None
        meter_next = at + meter_step if meter_step is not None else None
    return series
