"""A PM work order finished: a schedule counted from completion starts its clock again (from
the completion; a cancelled occurrence restarts it too, so the schedule never stalls)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import PmOccurrence, PmSchedule
from maintainpro.pm import calendar, state


async def finished(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID, *, completed: bool
) -> None:
    """One index probe for work that no schedule made."""
    schedule = await session.scalar(
        select(PmSchedule)
        .join(
            PmOccurrence,
            (PmOccurrence.organization_id == PmSchedule.organization_id)
            & (PmOccurrence.schedule_id == PmSchedule.id),
        )
        .where(
            PmOccurrence.organization_id == organization_id,
            PmOccurrence.work_order_id == work_order_id,
            PmSchedule.deleted_at.is_(None),
        )
        .with_for_update(of=PmSchedule)
    )
    if schedule is None:
        return
    session.expunge(schedule)  # written as bookkeeping by `state.save`, not flushed as an edit
    now = datetime.now(UTC)
    if completed:
        schedule.last_completed_at = now
    await state.restart_after(session, schedule, now)
    await state.save(session, schedule)
    await calendar.refresh(session, schedule)
