"""Transactional outbox and its relay to jobs (D7)."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.errors import InvalidState
from maintainpro.models import OutboxEvent
from maintainpro.outbox import handlers
from maintainpro.outbox import service as outbox_service
from maintainpro.outbox import tasks as outbox_tasks
from tests.conftest import TenantFactory
from tests.factories.organization import make_organization

EVENT = "location.created"


async def _emit(sessions: async_sessionmaker[AsyncSession], org: UUID, count: int = 1) -> None:
    with context.scoped(organization_id=org, request_id="req-outbox"):
        async with sessions() as session, session.begin():
            for _ in range(count):
                await outbox_service.emit(
                    session,
                    event_type=EVENT,
                    entity_type="locations",
                    entity_id=uuid7(),
                    payload={"code": "A"},
                )


async def _jobs(conn: AsyncConnection) -> list[dict[str, object]]:
    rows = await conn.execute(
        text("SELECT args FROM procrastinate_jobs WHERE task_name = :t ORDER BY id"),
        {"t": outbox_service.DISPATCH_TASK},
    )
    return [row[0] for row in rows]


async def test_emit_needs_an_organization(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        with pytest.raises(InvalidState):
            await outbox_service.emit(
                session, event_type=EVENT, entity_type="locations", entity_id=uuid7()
            )


async def test_an_event_exists_only_if_its_change_committed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    org = await make_organization(sessions)

    async def emit_then_fail() -> None:
        async with sessions() as session, session.begin():
            await outbox_service.emit(
                session, event_type=EVENT, entity_type="locations", entity_id=uuid7()
            )
            raise RuntimeError("change failed")

    with context.scoped(organization_id=org.id), pytest.raises(RuntimeError):
        await emit_then_fail()
    await _emit(sessions, org.id)
    with context.scoped(organization_id=org.id):
        async with sessions() as session:
            events = (await session.scalars(select(OutboxEvent))).all()
    assert [(e.event_type, e.request_id, e.payload) for e in events] == [
        (EVENT, "req-outbox", {"code": "A"})
    ]


async def test_relay_defers_jobs_for_subscribed_events_and_marks_all_relayed(
    conn: AsyncConnection,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    test_database: Database,
) -> None:
    org = await make_organization(sessions)
    await _emit(sessions, org.id, count=3)
    with context.scoped(organization_id=org.id):
        async with sessions() as session, session.begin():
            await outbox_service.emit(
                session, event_type="unsubscribed.event", entity_type="x", entity_id=uuid7()
            )

    async def handler(session: AsyncSession, event: OutboxEvent) -> None:
        return None

    handlers.subscribe(EVENT)(handler)
    try:
        moved = await outbox_tasks.relay(test_database, settings)
    finally:
        handlers.unsubscribe(EVENT, handler)
    assert moved == 4
    jobs = await _jobs(conn)
    assert len(jobs) == 3
    assert {job["organization_id"] for job in jobs} == {str(org.id)}
    assert {job["request_id"] for job in jobs} == {"req-outbox"}
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(org.id)}
    )
    pending = await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    assert pending == 0
    assert await outbox_tasks.relay(test_database, settings) == 0


async def test_dispatch_runs_handlers_under_the_event_tenant(
    sessions: async_sessionmaker[AsyncSession], test_database: Database
) -> None:
    org = await make_organization(sessions)
    await _emit(sessions, org.id)
    seen: list[tuple[str, UUID | None, str | None]] = []

    async def handler(session: AsyncSession, event: OutboxEvent) -> None:
        current = await session.scalar(text("SELECT app.current_org()"))
        seen.append((event.event_type, current, context.current().request_id))

    with context.scoped(organization_id=org.id):
        async with sessions() as session:
            event_id = await session.scalar(select(OutboxEvent.id))
    assert event_id is not None
    handlers.subscribe(EVENT)(handler)
    try:
        with context.scoped(organization_id=org.id, request_id="req-outbox"):
            count = await outbox_tasks.dispatch(test_database, event_id, org.id)
        missing = await outbox_tasks.dispatch(test_database, uuid7(), org.id)
    finally:
        handlers.unsubscribe(EVENT, handler)
    assert (count, missing) == (1, 0)
    assert seen == [(EVENT, org.id, "req-outbox")]


async def test_concurrent_relays_hand_over_each_event_once(
    database: Database, settings: Settings, committed_tenant: TenantFactory
) -> None:
    """Real commits on separate connections: SKIP LOCKED keeps two relays from sharing rows."""
    org_id = await committed_tenant()
    with context.scoped(organization_id=org_id):
        async with transaction(database.sessions) as session:
            for _ in range(40):
                await outbox_service.emit(
                    session, event_type=EVENT, entity_type="x", entity_id=uuid7()
                )

    async def handler(session: AsyncSession, event: OutboxEvent) -> None:
        return None

    handlers.subscribe(EVENT)(handler)
    small = settings.model_copy(
        update={"worker": settings.worker.model_copy(update={"relay_batch": 5})}
    )
    try:
        results = await asyncio.gather(
            outbox_tasks.relay(database, small), outbox_tasks.relay(database, small)
        )
    finally:
        handlers.unsubscribe(EVENT, handler)
    with context.scoped(organization_id=org_id):
        async with transaction(database.sessions) as session:
            args = (
                await session.scalars(
                    text(
                        "SELECT args->>'event_id' FROM procrastinate_jobs"
                        " WHERE args->>'organization_id' = :o"
                    ),
                    {"o": str(org_id)},
                )
            ).all()
    assert sum(results) == 40
    assert len(args) == 40
    assert len(set(args)) == 40
