"""A schedule's clock and odometer: where they start, how a completion restarts them, and where
a meter trigger is projected to fall due at the meter's recent average use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import PmSchedule
from maintainpro.models.pm import STATE_COLUMNS
from maintainpro.pm import triggers
from maintainpro.pm.triggers import (
    MeterBased,
    MeterTrigger,
    TimeOrMeterTrigger,
    TimeTrigger,
    Trigger,
)

TRIGGER: TypeAdapter[Trigger] = TypeAdapter(Trigger)
AVERAGE_OVER = timedelta(days=30)

_ZONE = text("SELECT timezone FROM organizations WHERE id = :org")
_LATEST = text("""
SELECT measured_at, value FROM meter_readings
WHERE organization_id = :org AND meter_id = :meter
ORDER BY measured_at DESC LIMIT 1
""")
# Use per second over the window, per meter (a rollover inside it understates the use).
_RATES = text("""
SELECT meter_id,
       (max(value) - min(value)) / nullif(extract(epoch FROM max(measured_at) - min(measured_at)),
                                          0) AS per_second
FROM meter_readings
WHERE organization_id = :org AND meter_id = ANY(CAST(:meters AS uuid[]))
  AND measured_at > now() - CAST(:window AS interval)
GROUP BY meter_id
""")


def trigger_of(schedule: PmSchedule) -> Trigger:
    """The stored trigger (snake_case JSON, as validated on save)."""
    return TRIGGER.validate_python(schedule.trigger, by_alias=False, by_name=True)


def wire_trigger(schedule: PmSchedule) -> dict[str, object]:
    """The trigger as the API shows it (camelCase, unset options left out)."""
    shown: dict[str, object] = trigger_of(schedule).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    return shown


async def zone_of(session: AsyncSession, organization_id: UUID) -> ZoneInfo:
    name = await session.scalar(_ZONE, {"org": organization_id})
    return ZoneInfo(name or "UTC")


def set_generate_at(schedule: PmSchedule) -> None:
    """The scheduler's scan reads `generate_at`: the due time less the lead time."""
    due = schedule.next_due_at
    schedule.generate_at = None if due is None else due - timedelta(days=schedule.lead_days)


async def start(session: AsyncSession, schedule: PmSchedule, trigger: Trigger) -> None:
    """A fresh clock for `trigger`: the first due time, and for meters an odometer at 0 from
    the meter's latest reading (so a counter at 12,000 with every 500 is due at 12,500)."""
    schedule.trigger = trigger.model_dump(mode="json")
    schedule.trigger_kind = trigger.kind
    schedule.awaiting_completion = False
    schedule.armed = True
    schedule.next_due_at = None
    schedule.meter_id = None
    schedule.meter_total, schedule.meter_due_total = 0.0, None
    schedule.meter_last_value = schedule.meter_last_at = None
    if isinstance(trigger, TimeTrigger | TimeOrMeterTrigger):
        schedule.next_due_at = triggers.first_due(
            trigger, await zone_of(session, schedule.organization_id)
        )
    if isinstance(trigger, MeterBased):
        schedule.meter_id = trigger.meter_id
        latest = (
            await session.execute(
                _LATEST, {"org": schedule.organization_id, "meter": trigger.meter_id}
            )
        ).first()
        if latest is not None:
            schedule.meter_last_at, schedule.meter_last_value = latest.measured_at, latest.value
        if isinstance(trigger, MeterTrigger):
            schedule.meter_due_total = trigger.every
        elif isinstance(trigger, TimeOrMeterTrigger):
            schedule.meter_due_total = trigger.meter_every
    set_generate_at(schedule)


@dataclass(frozen=True, slots=True)
class Due:
    """An occurrence to create: its key (unique per schedule), what made it due, and when."""

    key: str
    reason: str
    due_at: datetime


def await_completion(
    schedule: PmSchedule,
    trigger: TimeTrigger | TimeOrMeterTrigger | MeterTrigger,
    zone: ZoneInfo,
    due: datetime,
) -> None:
    """Nothing more is generated until the work is done; meanwhile the next due time and
    mark shown are what they will be if it is done when due."""
    schedule.awaiting_completion = True
    if isinstance(trigger, TimeTrigger | TimeOrMeterTrigger) and trigger.every is not None:
        schedule.next_due_at = triggers.plus(due, trigger.every, trigger.unit, zone)
    if isinstance(trigger, TimeOrMeterTrigger):
        schedule.meter_due_total = schedule.meter_total + trigger.meter_every
    elif isinstance(trigger, MeterTrigger):
        schedule.meter_due_total = schedule.meter_total + trigger.every
    schedule.generate_at = None


async def save(session: AsyncSession, schedule: PmSchedule) -> None:
    """The scheduler's own writes: the clock and odometer as bookkeeping (no new version, no
    new editor), written by one UPDATE of those columns from the detached schedule."""
    values = {name: getattr(schedule, name) for name in STATE_COLUMNS}
    await session.execute(
        update(PmSchedule)
        .where(PmSchedule.organization_id == schedule.organization_id, PmSchedule.id == schedule.id)
        # Pinned: the columns' onupdate would otherwise name the scheduler as the editor.
        .values(**values, updated_at=PmSchedule.updated_at, updated_by=PmSchedule.updated_by)
        .execution_options(synchronize_session=False)
    )


def meter_mark_after(due: float, every: float, total: float) -> float:
    """The next mark of a "since trigger" schedule past `total` (marks passed at once count
    once: a jump from 400 to 1,700 with every 500 fires for 500 and is next due at 2,000)."""
    if total < due:
        return due
    return due + every * (int((total - due) // every) + 1)


async def restart_after(session: AsyncSession, schedule: PmSchedule, finished_at: datetime) -> None:
    """The occurrence's work order was completed (or cancelled) at `finished_at`: what counts
    from a completion counts from now on."""
    if not schedule.awaiting_completion:
        return  # a fixed calendar or a trigger-counted meter runs on regardless
    trigger = trigger_of(schedule)
    schedule.awaiting_completion = False
    if isinstance(trigger, TimeTrigger | TimeOrMeterTrigger) and trigger.every is not None:
        zone = await zone_of(session, schedule.organization_id)
        schedule.next_due_at = triggers.plus(finished_at, trigger.every, trigger.unit, zone)
    if isinstance(trigger, MeterTrigger):
        schedule.meter_due_total = schedule.meter_total + trigger.every
    elif isinstance(trigger, TimeOrMeterTrigger):
        schedule.meter_due_total = schedule.meter_total + trigger.meter_every
    set_generate_at(schedule)


@dataclass(frozen=True, slots=True)
class Pace:
    """A meter's average use and the time its schedule's next mark falls due at that use."""

    per_second: float
    due_at: datetime


async def projections(
    session: AsyncSession, organization_id: UUID, schedules: list[PmSchedule]
) -> dict[UUID, Pace]:
    """When each meter-triggered schedule reaches its mark at its meter's average use over the
    last 30 days (one query for all of them); none for a meter that did not move."""
    waiting = [
        s
        for s in schedules
        if s.meter_id is not None
        and s.meter_due_total is not None
        and s.trigger_kind in ("meter", "time_or_meter")
    ]
    if not waiting:
        return {}
    rows = await session.execute(
        _RATES,
        {
            "org": organization_id,
            "meters": list({s.meter_id for s in waiting}),
            "window": AVERAGE_OVER,
        },
    )
    rates = {row.meter_id: float(row.per_second) for row in rows if row.per_second}
    now = datetime.now(UTC)
    found: dict[UUID, Pace] = {}
    for s in waiting:
        rate = rates.get(s.meter_id)
        if rate is not None and rate > 0:
            assert s.meter_due_total is not None
            remaining = max(s.meter_due_total - s.meter_total, 0.0)
            found[s.id] = Pace(rate, now + timedelta(seconds=remaining / rate))
    return found
