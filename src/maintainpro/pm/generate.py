"""The scheduler: every due occurrence of a schedule becomes one work order from its template
(checklists copied, planned parts reserved, estimates taken), exactly once.

Exactly once holds twice over. A schedule is claimed `FOR UPDATE SKIP LOCKED`, so schedulers
running side by side work on different schedules; and each occurrence is first inserted under
its unique key (`ON CONFLICT DO NOTHING`), so a second writer of the same occurrence, whatever
its path, creates nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized, acting_for
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.errors import AppError
from maintainpro.core.logging import get_logger
from maintainpro.models import PmSchedule
from maintainpro.outbox import service as outbox_service
from maintainpro.pm import calendar, meters, state, triggers
from maintainpro.pm.schemas import OccurrenceRead
from maintainpro.pm.service import assets_of
from maintainpro.pm.state import Due
from maintainpro.pm.triggers import TimeOrMeterTrigger, TimeTrigger
from maintainpro.work_order import service as work_orders
from maintainpro.work_order.schemas import WorkOrderCreate

log = get_logger(__name__)
# An occurrence reached later than this after its due time was missed (the missed policy).
GRACE = timedelta(hours=1)
BACKLOG = 100  # occurrences of one schedule per pass; a longer backlog takes further passes
PASSES = 10_000  # schedules per organization and run: a bound, not an expected number

_CLAIM = text("""
SELECT id FROM pm_schedules
WHERE organization_id = :org AND generate_at <= :now
  AND paused_at IS NULL AND deleted_at IS NULL
ORDER BY generate_at
LIMIT 1
FOR UPDATE SKIP LOCKED
""")
_OCCUR = text("""
INSERT INTO pm_occurrences (id, organization_id, schedule_id, key, reason, due_at)
VALUES (app.uuidv7(), :org, :schedule, :key, :reason, :due)
ON CONFLICT (organization_id, schedule_id, key) DO NOTHING
RETURNING id, schedule_id, key, reason, due_at, work_order_id, created_at
""")
_RETRY = text(
    "UPDATE pm_schedules SET generate_at = now() + CAST(:later AS interval)"
    " WHERE organization_id = :org AND id = :id"
).bindparams(later=timedelta(hours=1))
_LINK = text(
    "UPDATE pm_occurrences SET work_order_id = :work_order"
    " WHERE organization_id = :org AND id = :id RETURNING work_order_id"
)


def _acting(schedule: PmSchedule) -> Authorized:
    """The scheduler files work for the schedule's last editor (its creator at first)."""
    user_id = schedule.updated_by or schedule.created_by
    assert user_id is not None, "schedules are written by a person"
    return acting_for(user_id, schedule.organization_id)


async def occur(
    session: AsyncSession, schedule: PmSchedule, due: Due, asset_ids: list[UUID]
) -> OccurrenceRead | None:
    """The occurrence and its work order, or None when that occurrence already exists."""
    params = {
        "org": schedule.organization_id,
        "schedule": schedule.id,
        "key": due.key,
        "reason": due.reason,
        "due": due.due_at,
    }
    claimed = (await session.execute(_OCCUR, params)).mappings().first()
    if claimed is None:
        return None
    request = WorkOrderCreate.model_validate(
        {
            "templateId": schedule.template_id,
            "assetIds": asset_ids,
            "dueAt": due.due_at,
        }
    )
    created = await work_orders.create(session, _acting(schedule), request)
    await session.execute(
        _LINK, {"org": schedule.organization_id, "id": claimed["id"], "work_order": created.id}
    )
    schedule.last_generated_at = datetime.now(UTC)
    await outbox_service.emit(
        session,
        event_type="pm.occurrence_created",
        entity_type="pm_schedule",
        entity_id=schedule.id,
        payload={
            "occurrenceId": str(claimed["id"]),
            "key": due.key,
            "dueAt": due.due_at.isoformat(),
            "workOrderId": str(created.id),
            "number": created.number,
            "name": schedule.name,
            "siteId": str(schedule.site_id),
        },
    )
    return OccurrenceRead.model_validate({**claimed, "work_order_id": created.id})


def _time_key(at: datetime) -> str:
    return f"time:{at.astimezone(UTC).isoformat()}"


def due_times(schedule: PmSchedule, zone: ZoneInfo, now: datetime) -> list[Due]:
    """The time-based occurrences to create now, the schedule's clock moved past them."""
    trigger = state.trigger_of(schedule)
    due = schedule.next_due_at
    if schedule.awaiting_completion or due is None:
        return []
    if not isinstance(trigger, TimeTrigger | TimeOrMeterTrigger):
        return []
    lead = timedelta(days=schedule.lead_days)
    if isinstance(trigger, TimeTrigger) and trigger.mode == "fixed":
        reached: list[datetime] = []
        cursor: datetime | None = due
        while cursor is not None and cursor - lead <= now and len(reached) < BACKLOG:
            reached.append(cursor)
            cursor = triggers.fixed_next(trigger, zone, cursor)
        schedule.next_due_at = cursor
        state.set_generate_at(schedule)
        return [Due(_time_key(at), "time", at) for at in _by_policy(schedule, reached, now)]
    if due - lead > now:
        return []
    # Counted from completion: one at a time; the next is projected until this one is done.
    assert trigger.every is not None
    state.await_completion(schedule, trigger, zone, due)
    return [Due(_time_key(due), "time", due)]


def _by_policy(schedule: PmSchedule, reached: list[datetime], now: datetime) -> list[datetime]:
    missed = [at for at in reached if at < now - GRACE]
    on_time = reached[len(missed) :]
    if schedule.missed_policy == "all":
        return reached
    if schedule.missed_policy == "one":
        return [*missed[-1:], *on_time]
    return on_time


async def run_schedule(
    session: AsyncSession, schedule: PmSchedule, now: datetime
) -> list[OccurrenceRead]:
    """Everything due on one locked schedule: its time part, then the readings its meter
    received since it last looked. The schedule leaves the session first: its clock moves in
    memory and is written once, as bookkeeping (`state.save`), never flushed as an edit."""
    session.expunge(schedule)
    zone = await state.zone_of(session, schedule.organization_id)
    clock = _clock(schedule)
    wanted = due_times(schedule, zone, now)
    if schedule.meter_id is not None:
        wanted += await meters.advance(session, schedule, zone)
    made: list[OccurrenceRead] = []
    if wanted:
        asset_ids = await assets_of(session, schedule)  # once for every occurrence made
        made = [f for due in wanted if (f := await occur(session, schedule, due, asset_ids))]
    await state.save(session, schedule)
    # A pass that only read a meter's readings leaves the upcoming events as they are.
    if made or _clock(schedule) != clock:
        await calendar.refresh(session, schedule, zone)
    return made


def _clock(schedule: PmSchedule) -> tuple[object, ...]:
    """What the upcoming occurrences are computed from."""
    return (schedule.next_due_at, schedule.meter_due_total, schedule.awaiting_completion)


async def run_organization(
    database: Database, organization_id: UUID, now: datetime | None = None
) -> list[OccurrenceRead]:
    """Every schedule of the organization whose generation time has come, one transaction
    per schedule (a failing one does not hold the others back)."""
    made: list[OccurrenceRead] = []
    with context.scoped(organization_id=organization_id):
        for _ in range(PASSES):
            moment, found = now or datetime.now(UTC), None
            try:
                async with transaction(database.sessions) as session:
                    found = await session.scalar(_CLAIM, {"org": organization_id, "now": moment})
                    if found is None:
                        break
                    schedule = await session.get_one(PmSchedule, found)
                    made += await run_schedule(session, schedule, moment)
            except AppError as exc:
                if found is None:
                    raise
                # A template or asset deleted since: retried later, the others go on now.
                log.error("pm.refused", schedule_id=str(found), reason=exc.detail)
                async with transaction(database.sessions) as session:
                    await session.execute(_RETRY, {"org": organization_id, "id": found})
    return made


async def run_all(database: Database) -> int:
    """The periodic scan: the organizations with something due (a definer listing, D4)."""
    async with transaction(database.sessions) as session:
        organizations = list(await session.scalars(text("SELECT app.organizations_with_due_pm()")))
    total = 0
    for organization_id in organizations:
        total += len(await run_organization(database, organization_id))
    if total:
        log.info("pm.generated", occurrences=total)
    return total
