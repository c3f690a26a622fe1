"""Rules through the API, the records their actions name, and the worker's dispatch of a
tenant's events."""

from __future__ import annotations

from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.core.db import Database
from maintainpro.models import OutboxEvent, WebhookSubscription
from maintainpro.outbox import tasks as outbox_tasks
from maintainpro.rules import handlers as _handlers  # noqa: F401  (subscribes the engine)
from tests.factories.identity import Tenant

RULES = "/api/v1/rules"
HIGH = {"type": "set_priority", "priority": "high"}


async def make_rule(
    client: httpx.AsyncClient, tenant: Tenant, *, role: str = "manager", **body: object
) -> dict[str, object]:
    fields = {"name": "Escalate pumps", "event": "work_order.created", "actions": [HIGH], **body}
    response = await client.post(RULES, headers=tenant.headers(role), json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def make_team(client: httpx.AsyncClient, tenant: Tenant, *members: UUID) -> str:
    response = await client.post(
        "/api/v1/teams", headers=tenant.headers("admin"), json={"name": "Mechanics"}
    )
    assert response.status_code == 201, response.text
    team = str(response.json()["id"])
    if members:
        put = await client.put(
            f"/api/v1/teams/{team}/members",
            headers=tenant.headers("admin"),
            json={"userIds": [str(m) for m in members]},
        )
        assert put.status_code == 200, put.text
    return team


async def make_webhook(sessions: async_sessionmaker[AsyncSession], tenant: Tenant) -> str:
    """A subscription hearing nothing by itself (written directly: creating one through the API
    resolves its host)."""
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session, session.begin():
            subscription = WebhookSubscription(
                organization_id=tenant.organization_id,
                url="https://hooks.example.com/rules",
                events=["purchase_order.approval_needed"],
                secret_encrypted="not used",
            )
            session.add(subscription)
    return str(subscription.id)


async def dispatch(database: Database, tenant: Tenant, *types: str) -> int:
    """What the worker does with the tenant's events of these types: each event's subscribers,
    each in a transaction of its own (`outbox/tasks.py: dispatch`)."""
    org = tenant.organization_id
    with context.scoped(organization_id=org):
        async with database.sessions() as session:
            events = list(
                await session.scalars(
                    select(OutboxEvent.id)
                    .where(OutboxEvent.organization_id == org, OutboxEvent.event_type.in_(types))
                    .order_by(OutboxEvent.id)
                )
            )
        for event_id in events:
            await outbox_tasks.dispatch(database, event_id, org)
    return len(events)
