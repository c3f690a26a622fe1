"""Every write path leaves one audit row in the same transaction (D6)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from maintainpro.core import context
from maintainpro.models import ActivityLog, Location
from tests.factories.organization import make_location, make_organization, new_site


async def _trail(
    sessions: async_sessionmaker[AsyncSession], org: UUID, entity_id: UUID
) -> list[ActivityLog]:
    with context.scoped(organization_id=org):
        async with sessions() as session:
            rows = await session.scalars(
                select(ActivityLog)
                .where(ActivityLog.organization_id == org, ActivityLog.entity_id == entity_id)
                .order_by(ActivityLog.id)
            )
            return list(rows)


async def test_insert_records_actor_request_ip_and_values(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    actor = uuid7()
    org = await make_organization(sessions)
    with context.scoped(request_id="req-audit-1", user_id=actor, client_ip="203.0.113.7"):
        location = await make_location(sessions, org.id, code="AUD")
    [entry] = await _trail(sessions, org.id, location.id)
    assert (entry.action, entry.entity_type, entry.actor_id) == ("insert", "locations", actor)
    assert entry.request_id == "req-audit-1"
    assert str(entry.client_ip) == "203.0.113.7"
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["code"] == "AUD"
    assert "updated_at" not in entry.after
    assert "version" not in entry.after


async def test_update_records_only_the_changed_columns(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    org = await make_organization(sessions)
    location = await make_location(sessions, org.id, code="OLD")
    with context.scoped(organization_id=org.id, request_id="req-2"):
        async with sessions() as session, session.begin():
            row = await session.get_one(Location, location.id)
            row.name = "Renamed"
    entries = await _trail(sessions, org.id, location.id)
    assert [e.action for e in entries] == ["insert", "update"]
    assert entries[1].before == {"name": "Location OLD"}
    assert entries[1].after == {"name": "Renamed"}
    assert entries[1].request_id == "req-2"


async def test_atomic_sql_updates_are_audited_too(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    org = await make_organization(sessions)
    location = await make_location(sessions, org.id)
    with context.scoped(organization_id=org.id):
        async with sessions() as session, session.begin():
            await session.execute(
                update(Location)
                .where(Location.organization_id == org.id, Location.id == location.id)
                .values(description="set by atomic SQL")
            )
    entries = await _trail(sessions, org.id, location.id)
    assert entries[-1].action == "update"
    assert entries[-1].after == {"description": "set by atomic SQL"}


async def test_bookkeeping_only_updates_leave_no_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    org = await make_organization(sessions)
    location = await make_location(sessions, org.id)
    with context.scoped(organization_id=org.id):
        async with sessions() as session, session.begin():
            await session.execute(
                update(Location)
                .where(Location.id == location.id)
                .values(version=Location.version + 1)
            )
    assert [e.action for e in await _trail(sessions, org.id, location.id)] == ["insert"]


async def test_soft_delete_restore_and_delete_are_named(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    org = await make_organization(sessions)
    location = await make_location(sessions, org.id)
    with context.scoped(organization_id=org.id):
        async with sessions() as session, session.begin():
            row = await session.get_one(Location, location.id)
            row.deleted_at = datetime.now(UTC)
            await session.flush()
            row.deleted_at = None
            await session.flush()
            await session.delete(row)
    entries = await _trail(sessions, org.id, location.id)
    assert [e.action for e in entries] == ["insert", "soft_delete", "restore", "delete"]
    assert entries[-1].after is None
    assert entries[-1].before is not None
    assert entries[-1].before["code"] == "SITE"


async def test_a_rolled_back_change_leaves_no_audit_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    org = await make_organization(sessions)
    location_id = uuid7()

    async def write_then_fail() -> None:
        async with sessions() as session, session.begin():
            site = new_site(org.id, "GONE")
            site.id = site.site_id = location_id
            session.add(site)
            await session.flush()
            raise RuntimeError("request failed after the write")

    with context.scoped(organization_id=org.id), pytest.raises(RuntimeError):
        await write_then_fail()
    assert await _trail(sessions, org.id, location_id) == []


async def test_the_application_cannot_rewrite_history(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    org = await make_organization(sessions)
    await conn.execute(
        text("SELECT set_config('app.organization_id', :o, true)"), {"o": str(org.id)}
    )
    for statement in ("UPDATE activity_logs SET action = 'x'", "DELETE FROM activity_logs"):
        await conn.execute(text("SAVEPOINT attempt"))
        with pytest.raises(Exception, match="permission denied"):
            await conn.execute(text(statement))
        await conn.execute(text("ROLLBACK TO SAVEPOINT attempt"))
