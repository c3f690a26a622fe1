"""Meter and condition triggers: a schedule's odometer follows its meter's readings in time
order from where it last looked. A counter's use is the rise between readings, across a
rollover (up to the rollover value, then from zero) and a replacement (the new meter from
zero); a counter without a reading before the schedule counts from zero. A reading older than
the last one looked at does not move the odometer again."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core import context
from maintainpro.models import PmSchedule
from maintainpro.pm import state
from maintainpro.pm.state import Due
from maintainpro.pm.triggers import ConditionTrigger, MeterTrigger, TimeOrMeterTrigger

EVENT = "meter.readings_recorded"
BATCH = 5000  # readings per pass; a schedule behind by more catches up on the next event

_AFTER = text("""
SELECT r.measured_at, r.value, r.reset, m.rollover_value
FROM meter_readings r
JOIN meters m ON m.organization_id = r.organization_id AND m.id = r.meter_id
WHERE r.organization_id = :org AND r.meter_id = :meter
  AND r.measured_at > coalesce(CAST(:after AS timestamptz), '-infinity')
ORDER BY r.measured_at
LIMIT :batch
""")
# One event per meter some live schedule follows, none otherwise: the ingestion hot path
# pays one index probe, and the worker hears of readings within seconds (through the relay).
ANNOUNCE = text(f"""
INSERT INTO outbox (id, organization_id, event_type, entity_type, entity_id, payload,
                    request_id, actor_id)
SELECT app.uuidv7(), :org, '{EVENT}', 'meter', f.meter_id,
       jsonb_build_object('meterId', f.meter_id), :request_id, :actor
FROM (SELECT DISTINCT s.meter_id FROM pm_schedules s
      WHERE s.organization_id = :org AND s.meter_id = ANY(CAST(:meters AS uuid[]))
        AND s.deleted_at IS NULL) AS f
""")


async def announce(session: AsyncSession, organization_id: UUID, meter_ids: set[UUID]) -> None:
    ctx = context.current()
    await session.execute(
        ANNOUNCE,
        {
            "org": organization_id,
            "meters": list(meter_ids),
            "request_id": ctx.request_id,
            "actor": ctx.user_id,
        },
    )


def _use(last: float | None, value: float, reset: str | None, rollover: float | None) -> float:
    if last is None or reset == "replacement":
        return max(value, 0.0)
    if reset == "rollover":
        return max((rollover or last) - last, 0.0) + max(value, 0.0)
    return max(value - last, 0.0)


async def advance(session: AsyncSession, schedule: PmSchedule, zone: ZoneInfo) -> list[Due]:
    """The schedule's meter occurrences among the readings it has not looked at yet."""
    trigger = state.trigger_of(schedule)
    rows = await session.execute(
        _AFTER,
        {
            "org": schedule.organization_id,
            "meter": schedule.meter_id,
            "after": schedule.meter_last_at,
            "batch": BATCH,
        },
    )
    found: list[Due] = []
    for at, value, reset, rollover in rows:
        if isinstance(trigger, ConditionTrigger):
            if schedule.armed and trigger.crossed(value):
                schedule.armed = False
                found.append(Due(f"condition:{at.isoformat()}", "condition", at))
            elif not schedule.armed and trigger.rearmed(value):
                schedule.armed = True
        else:
            schedule.meter_total += _use(schedule.meter_last_value, value, reset, rollover)
            due = schedule.meter_due_total
            if not schedule.awaiting_completion and due is not None and schedule.meter_total >= due:
                found.append(Due(f"meter:{due!r}", "meter", at))
                if isinstance(trigger, MeterTrigger) and trigger.since == "trigger":
                    schedule.meter_due_total = state.meter_mark_after(
                        due, trigger.every, schedule.meter_total
                    )
                else:
                    assert isinstance(trigger, MeterTrigger | TimeOrMeterTrigger)
                    state.await_completion(schedule, trigger, zone, at)
        schedule.meter_last_at, schedule.meter_last_value = at, value
    return found
