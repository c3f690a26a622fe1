"""A schedule's upcoming occurrences as calendar events (kind `pm_occurrence`), so they show
in the calendar and its feeds before any work order exists. Rewritten whenever the schedule
or its clock changes (a meter's projected marks are not moved by every reading, only then);
an occurrence that became a work order shows as that work order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import CalendarEvent, PmSchedule, WorkOrderTemplate
from maintainpro.pm import state, upcoming

HORIZON = timedelta(days=90)
MAX_EVENTS = 20


async def clear(session: AsyncSession, schedule: PmSchedule) -> None:
    await session.execute(
        delete(CalendarEvent).where(
            CalendarEvent.organization_id == schedule.organization_id,
            CalendarEvent.pm_schedule_id == schedule.id,
        )
    )


async def refresh(
    session: AsyncSession, schedule: PmSchedule, zone: ZoneInfo | None = None
) -> None:
    """Rewrites the schedule's upcoming events (`zone`: the organization's, when the caller has
    it already)."""
    await clear(session, schedule)
    now = datetime.now(UTC)
    zone = zone or await state.zone_of(session, schedule.organization_id)
    pace = (await state.projections(session, schedule.organization_id, [schedule])).get(schedule.id)
    found = upcoming.occurrences(
        schedule,
        zone,
        now,
        now + HORIZON,
        pace.due_at if pace else None,
        pace.per_second if pace else None,
        MAX_EVENTS,
    )
    if not found:
        return
    hours = await session.scalar(
        select(WorkOrderTemplate.estimated_hours).where(
            WorkOrderTemplate.organization_id == schedule.organization_id,
            WorkOrderTemplate.id == schedule.template_id,
        )
    )
    length = timedelta(hours=float(hours or Decimal(1)))
    session.add_all(
        CalendarEvent(
            organization_id=schedule.organization_id,
            kind="pm_occurrence",
            pm_schedule_id=schedule.id,
            title=schedule.name,
            starts_at=item.due_at,
            ends_at=item.due_at + length,
            site_id=schedule.site_id,
        )
        for item in found
    )
    await session.flush()
