"""Every write through the API leaves exactly one audit row per changed record, with the actor
and the request id (C7, D6)."""

from __future__ import annotations

from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.models import ActivityLog
from tests.factories.identity import PASSWORD, Tenant


async def _rows(
    sessions: async_sessionmaker[AsyncSession], tenant: Tenant, request_id: str
) -> list[ActivityLog]:
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session:
            rows = await session.scalars(
                select(ActivityLog).where(ActivityLog.request_id == request_id)
            )
            return list(rows)


async def test_update_create_and_login_each_leave_one_row(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = acme.users["admin"]
    patched = await client.patch(
        f"/api/v1/locations/{acme.south.id}",
        json={"name": "South Depot"},
        headers={**acme.headers("admin"), "X-Request-ID": "req-patch"},
    )
    assert patched.status_code == 200
    [update] = await _rows(sessions, acme, "req-patch")
    assert (update.action, update.entity_id, update.actor_id) == ("update", acme.south.id, admin.id)
    assert update.after == {"name": "South Depot"}

    created = await client.post(
        "/api/v1/users",
        json={"email": "audit@acme.example.com", "fullName": "A", "role": "requester"},
        headers={**acme.headers("admin"), "X-Request-ID": "req-create"},
    )
    [insert] = await _rows(sessions, acme, "req-create")
    assert (insert.action, insert.entity_id, insert.actor_id) == (
        "insert",
        UUID(created.json()["id"]),
        admin.id,
    )
    assert insert.after is not None
    assert "password_hash" not in insert.after

    signed_in = await client.post(
        "/api/v1/auth/login",
        json={"email": acme.users["technician"].email, "password": PASSWORD},
        headers={"X-Request-ID": "req-login"},
    )
    assert signed_in.status_code == 200
    [login] = await _rows(sessions, acme, "req-login")
    assert (login.entity_type, login.action, login.actor_id) == (
        "user_sessions",
        "insert",
        acme.users["technician"].id,
    )
