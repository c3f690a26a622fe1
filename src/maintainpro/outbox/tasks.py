"""Worker tasks: the outbox relay (periodic) and the per-event dispatch job."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import procrastinate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.logging import get_logger
from maintainpro.core.transient import unit_of_work
from maintainpro.models import OutboxEvent
from maintainpro.outbox import handlers
from maintainpro.outbox import service as outbox_service

blueprint = procrastinate.Blueprint()
log = get_logger(__name__)


async def relay(database: Database, settings: Settings) -> int:
    """Relays every tenant's pending events, one transaction per organization and batch."""
    async with transaction(database.sessions) as session:
        organizations = await outbox_service.organizations_with_pending_events(session)
    total = 0
    for organization_id in organizations:
        with context.scoped(organization_id=organization_id):
            while True:
                # A batch moves events to jobs and marks them in one transaction: safe to
                # repeat after a deadlock or a lost connection.
                moved = await unit_of_work(
                    database.sessions,
                    partial(
                        outbox_service.relay_organization,
                        organization_id=organization_id,
                        subscribed=handlers.subscribed_types(),
                        batch=settings.worker.relay_batch,
                    ),
                    settings.database,
                    retry=True,
                )
                total += moved
                if moved < settings.worker.relay_batch:
                    break
    if total:
        log.info("outbox.relayed", events=total)
    return total


class HandlersFailed(Exception):
    """Some subscribers of an event failed (the others' work is committed); the job is
    retried, and every subscriber runs again: each is idempotent."""


async def dispatch(database: Database, event_id: UUID, organization_id: UUID) -> int:
    """Each subscriber in a transaction of its own, so one that fails (a receiver's bad data,
    a bug) holds back neither the others nor their commit."""
    failed: list[str] = []
    ran = 0
    for handler in handlers.handlers_for(await _event_type(database, event_id, organization_id)):
        try:
            async with transaction(database.sessions) as session:
                event = await _event(session, event_id, organization_id)
                if event is None:
                    return ran
                await handler(session, event)
                ran += 1
        except Exception as exc:
            log.error("outbox.handler_failed", handler=handler.__qualname__, error=repr(exc))
            failed.append(handler.__qualname__)
    if failed:
        raise HandlersFailed(f"event {event_id}: {', '.join(failed)} failed")
    return ran


async def _event(
    session: AsyncSession, event_id: UUID, organization_id: UUID
) -> OutboxEvent | None:
    event = await session.scalar(
        select(OutboxEvent).where(
            OutboxEvent.organization_id == organization_id, OutboxEvent.id == event_id
        )
    )
    if event is None:
        log.warning("outbox.dispatch_missing", event_id=str(event_id))
    return event


async def _event_type(database: Database, event_id: UUID, organization_id: UUID) -> str:
    async with transaction(database.sessions) as session:
        event = await _event(session, event_id, organization_id)
        return "" if event is None else event.event_type


def _state(job: procrastinate.JobContext) -> tuple[Database, Settings]:
    extra = job.additional_context
    return extra["database"], extra["settings"]


@blueprint.periodic(cron="* * * * * */5", periodic_id="outbox-relay")
@blueprint.task(name="relay", queue="system", pass_context=True, queueing_lock="outbox.relay")
async def relay_task(job: procrastinate.JobContext, timestamp: int) -> int:
    database, settings = _state(job)
    with context.scoped(request_id=f"job-{job.job.id}"):
        return await relay(database, settings)


@blueprint.task(name="dispatch", queue=outbox_service.DISPATCH_QUEUE, pass_context=True, retry=5)
async def dispatch_task(
    job: procrastinate.JobContext, event_id: str, organization_id: str, request_id: str | None
) -> int:
    database, _ = _state(job)
    with context.scoped(request_id=request_id, organization_id=UUID(organization_id)):
        return await dispatch(database, UUID(event_id), UUID(organization_id))
