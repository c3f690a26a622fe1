"""The transactional outbox (D7): an event exists if and only if its change committed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core import context
from maintainpro.core.errors import InvalidState
from maintainpro.models import OutboxEvent

DISPATCH_TASK = "outbox:dispatch"  # namespace "outbox" + task "dispatch"
DISPATCH_QUEUE = "events"

# procrastinate's own deferral function, called inside our transaction so that a job exists
# if and only if its outbox row is marked as relayed.
_DEFER_JOBS = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY("
    " SELECT ROW(:queue, :task, 0, NULL, NULL, job_args::jsonb, NULL)"
    "::procrastinate_job_to_defer_v1"
    " FROM unnest(CAST(:args AS text[])) AS job_args)))"
)


async def emit(
    session: AsyncSession,
    *,
    event_type: str,
    entity_type: str,
    entity_id: UUID,
    payload: Mapping[str, Any] | None = None,
) -> OutboxEvent:
    ctx = context.current()
    if ctx.organization_id is None:
        raise InvalidState("An event needs an organization.")
    event = OutboxEvent(
        organization_id=ctx.organization_id,
        event_type=event_type,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=dict(payload or {}),
        request_id=ctx.request_id,
        actor_id=ctx.user_id,
    )
    session.add(event)
    await session.flush()
    return event


async def organizations_with_pending_events(session: AsyncSession) -> list[UUID]:
    """The one cross-tenant read of the relay, through a definer function (D4)."""
    rows = await session.scalars(text("SELECT app.organizations_with_pending_outbox()"))
    return list(rows)


async def relay_organization(
    session: AsyncSession, organization_id: UUID, *, subscribed: frozenset[str], batch: int
) -> int:
    """Moves one batch of this tenant's pending events to dispatch jobs; returns the count.

    Rows are claimed with SKIP LOCKED, so any number of relays can run side by side."""
    events = (
        await session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.organization_id == organization_id, OutboxEvent.published_at.is_(None)
            )
            .order_by(OutboxEvent.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not events:
        return 0
    wanted = [e for e in events if e.event_type in subscribed]
    if wanted:
        await _defer_dispatch(session, wanted)
    await session.execute(
        update(OutboxEvent)
        .where(
            OutboxEvent.organization_id == organization_id,
            OutboxEvent.id.in_([e.id for e in events]),
        )
        .values(published_at=text("now()"))
    )
    return len(events)


async def defer_jobs(
    session: AsyncSession, queue: str, task: str, jobs: Sequence[Mapping[str, Any]]
) -> None:
    """procrastinate jobs that exist if and only if the caller's transaction commits."""
    args = [orjson.dumps(job).decode() for job in jobs]
    await session.execute(_DEFER_JOBS, {"queue": queue, "task": task, "args": args})


async def _defer_dispatch(session: AsyncSession, events: list[OutboxEvent]) -> None:
    jobs = [
        {
            "event_id": str(e.id),
            "organization_id": str(e.organization_id),
            "request_id": e.request_id,
        }
        for e in events
    ]
    await defer_jobs(session, DISPATCH_QUEUE, DISPATCH_TASK, jobs)
