"""A real procrastinate worker: outbox event -> relay job -> dispatch job -> handler."""

from __future__ import annotations

from uuid import UUID

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.database import ServerTarget
from maintainpro.core.db import Database, transaction
from maintainpro.models import OutboxEvent
from maintainpro.outbox import handlers
from maintainpro.outbox import service as outbox_service
from maintainpro.outbox.tasks import HandlersFailed, dispatch
from maintainpro.worker import QUEUES, build_job_app, job_conninfo, libpq_conninfo
from tests.conftest import TenantFactory

EVENT = "probe.happened"


async def test_worker_relays_and_dispatches(
    target: ServerTarget, settings: Settings, database: Database, committed_tenant: TenantFactory
) -> None:
    org_id = await committed_tenant()
    with context.scoped(organization_id=org_id, request_id="req-worker"):
        async with transaction(database.sessions) as session:
            event = await outbox_service.emit(
                session, event_type=EVENT, entity_type="x", entity_id=uuid7()
            )
    seen: list[tuple[UUID, UUID | None, str | None]] = []

    async def handler(session: AsyncSession, received: OutboxEvent) -> None:
        tenant = await session.scalar(text("SELECT app.current_org()"))
        seen.append((received.id, tenant, context.current().request_id))

    handlers.subscribe(EVENT)(handler)
    job_app = build_job_app(target, settings)
    try:
        async with job_app.open_async():
            await job_app.configure_task(name="outbox:relay").defer_async(timestamp=0)
            await job_app.run_worker_async(
                queues=list(QUEUES),
                wait=False,
                install_signal_handlers=False,
                additional_context={"database": database, "settings": settings},
            )
    finally:
        handlers.unsubscribe(EVENT, handler)
    assert seen == [(event.id, org_id, "req-worker")]


def test_conninfo_keeps_credentials_for_libpq(target: ServerTarget) -> None:
    url = target.url.set(drivername="postgresql+psycopg", username="u", password="p w%@:/'x")
    parsed = conninfo_to_dict(libpq_conninfo(url))
    assert (parsed["user"], parsed["password"]) == ("u", "p w%@:/'x")
    assert parsed["dbname"] == target.database


def test_the_job_queue_bypasses_pgbouncer_when_told(
    target: ServerTarget, settings: Settings
) -> None:
    direct = settings.model_copy(
        update={
            "database": settings.database.model_copy(
                update={"direct_url": "postgresql://db-direct.internal:5433/maintainpro"}
            )
        }
    )
    conninfo = conninfo_to_dict(job_conninfo(target, direct))
    assert (conninfo["host"], conninfo["port"], conninfo["user"]) == (
        "db-direct.internal",
        "5433",
        "maintainpro_app",
    )


async def test_a_failing_subscriber_holds_back_no_other(
    database: Database, committed_tenant: TenantFactory
) -> None:
    org_id = await committed_tenant()
    with context.scoped(organization_id=org_id):
        async with transaction(database.sessions) as session:
            event = await outbox_service.emit(
                session, event_type=EVENT, entity_type="x", entity_id=uuid7()
            )

    async def broken(session: AsyncSession, received: OutboxEvent) -> None:
        raise RuntimeError("a subscriber's bug")

    async def working(session: AsyncSession, received: OutboxEvent) -> None:
        await outbox_service.emit(
            session, event_type="probe.followed", entity_type="x", entity_id=received.id
        )

    handlers.subscribe(EVENT)(broken)
    handlers.subscribe(EVENT)(working)
    try:
        with context.scoped(organization_id=org_id), pytest.raises(HandlersFailed, match="broken"):
            await dispatch(database, event.id, org_id)
    finally:
        handlers.unsubscribe(EVENT, broken)
        handlers.unsubscribe(EVENT, working)
    with context.scoped(organization_id=org_id):
        async with transaction(database.sessions) as session:
            followed = await session.scalar(
                text(
                    "SELECT count(*) FROM outbox WHERE event_type = 'probe.followed'"
                    " AND entity_id = :id"
                ),
                {"id": event.id},
            )
    assert followed == 1  # committed although the other subscriber failed
