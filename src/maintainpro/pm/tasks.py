"""The scheduler's jobs: a scan every minute for time-based occurrences, and the meter handler
that hears of new readings through the outbox within seconds of their commit."""

from __future__ import annotations

from datetime import UTC, datetime

import procrastinate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core import context
from maintainpro.core.errors import AppError
from maintainpro.core.logging import get_logger
from maintainpro.models import OutboxEvent, PmSchedule
from maintainpro.outbox import handlers
from maintainpro.pm import generate, meters

blueprint = procrastinate.Blueprint()
log = get_logger(__name__)


@handlers.subscribe(meters.EVENT)
async def on_readings(session: AsyncSession, event: OutboxEvent) -> None:
    """Every live schedule that follows the meter, locked in id order, catches up with it."""
    locked = await session.scalars(
        select(PmSchedule.id)
        .where(
            PmSchedule.organization_id == event.organization_id,
            PmSchedule.meter_id == event.entity_id,
            PmSchedule.deleted_at.is_(None),
            PmSchedule.paused_at.is_(None),
        )
        .order_by(PmSchedule.id)
        .with_for_update()
    )
    for schedule_id in list(locked):
        try:
            async with session.begin_nested():
                schedule = await session.get_one(PmSchedule, schedule_id, populate_existing=True)
                await generate.run_schedule(session, schedule, datetime.now(UTC))
        except AppError as exc:
            # A template or asset deleted since: this schedule waits (its readings stay unread
            # and are read on the next event), the meter's other schedules go on.
            log.error("pm.refused", schedule_id=str(schedule_id), reason=exc.detail)


@blueprint.periodic(cron="* * * * *", periodic_id="pm-scheduler")
@blueprint.task(name="run_due", queue="system", pass_context=True, queueing_lock="pm.run_due")
async def run_due_task(job: procrastinate.JobContext, timestamp: int) -> int:
    with context.scoped(request_id=f"job-{job.job.id}"):
        return await generate.run_all(job.additional_context["database"])
