"""Webhooks end to end against a receiver on a real socket: each event once per successful
delivery, signed per Standard Webhooks (verified with the `standardwebhooks` library), retried
after failures with every attempt in the log, never for a change that did not commit; a run of
failures disables the subscription and tells the admins."""

from __future__ import annotations

from uuid import UUID

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import Database
from maintainpro.models import OutboxEvent
from maintainpro.outbox import handlers
from maintainpro.webhook import delivery
from maintainpro.webhook import tasks as _tasks  # noqa: F401  (subscribes the fan-out)
from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_work_order
from tests.webhook.receiver import receiver

HOOKS = "/api/v1/webhooks"


async def _fan_out(sessions: async_sessionmaker[AsyncSession], tenant: Tenant) -> list[UUID]:
    """What the worker does with the tenant's events; the deliveries that exist after it."""
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session, session.begin():
            events = await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.organization_id == tenant.organization_id)
                .order_by(OutboxEvent.id)
            )
            for event in list(events):
                await handlers.dispatch(session, event)
            found = await session.execute(
                text("SELECT id FROM webhook_deliveries WHERE organization_id = :org ORDER BY id"),
                {"org": tenant.organization_id},
            )
            return [row.id for row in found]


async def test_signed_retried_logged_and_delivered_once(
    local: httpx.AsyncClient,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    test_database: Database,
    local_settings: Settings,
) -> None:
    async with receiver(500, 503) as hook:
        made = await local.post(
            HOOKS,
            headers=acme.headers("admin"),
            json={"url": hook.url, "events": ["work_order.created"]},
        )
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        assert secret.startswith("whsec_")
        shown = await local.get(f"{HOOKS}/{made.json()['id']}", headers=acme.headers("admin"))
        assert "secret" not in shown.json()
        work = await make_work_order(local, acme)
        refused = await local.post(
            URL,
            headers=acme.headers("admin"),
            json={"title": "x", "assetIds": [str(acme.north.id)]},
        )
        assert refused.status_code == 422  # rolled back: no event, so nothing is delivered
        [first] = await _fan_out(sessions, acme)
        assert await _fan_out(sessions, acme) == [first]  # fanned out again: still one delivery
        outcomes = [
            await delivery.attempt(test_database, local_settings, acme.organization_id, first)
            for _ in range(4)
        ]
        assert outcomes == [False, False, True, True]  # the fourth finds it delivered
        assert len(hook.received) == 3
        verifier = Webhook(secret)
        ids = set()
        for headers, body in hook.received:
            message = verifier.verify(body, headers)
            ids.add(headers["webhook-id"])
            assert message["type"] == "work_order.created"
            assert message["data"]["entityId"] == work["id"]
            assert message["data"]["number"] == work["number"]
        assert ids == {str(first)}  # the same message id on every attempt
        log = await local.get(
            f"{HOOKS}/{made.json()['id']}/deliveries", headers=acme.headers("admin")
        )
        [entry] = log.json()["items"]
        assert (entry["status"], entry["attempts"], entry["lastStatusCode"]) == (
            "succeeded",
            3,
            200,
        )
        assert [a["statusCode"] for a in entry["attemptLog"]] == [500, 503, 200]
        assert all(a["latencyMs"] >= 0 for a in entry["attemptLog"])


async def test_a_run_of_failures_disables_and_tells_the_admins(
    local: httpx.AsyncClient,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    test_database: Database,
    local_settings: Settings,
) -> None:
    async with receiver(*([500] * 10)) as hook:
        made = await local.post(
            HOOKS,
            headers=acme.headers("admin"),
            json={"url": hook.url, "events": ["work_order.created"]},
        )
        webhook = made.json()["id"]
        for _ in range(2):
            await make_work_order(local, acme)
        deliveries = await _fan_out(sessions, acme)
        assert len(deliveries) == 2
        # Three attempts each at most; the fourth failure in a row disables the subscription.
        results = [
            await delivery.attempt(test_database, local_settings, acme.organization_id, d)
            for d in deliveries
            for _ in range(3)
        ]
        assert results == [False, False, True, False, True, True]
        assert len(hook.received) == 4  # nothing sent once disabled
    shown = (await local.get(f"{HOOKS}/{webhook}", headers=acme.headers("admin"))).json()
    assert (shown["enabled"], shown["failureRun"]) == (False, 4)
    assert shown["disabledReason"] == "4 failed attempts in a row"
    told = await local.get("/api/v1/notifications", headers=acme.headers("admin"))
    [notice] = told.json()["items"]
    assert notice["type"] == "webhook_disabled"
    log = (await local.get(f"{HOOKS}/{webhook}/deliveries", headers=acme.headers("admin"))).json()
    assert [d["status"] for d in log["items"]] == ["failed", "failed"]
    enabled = await local.patch(
        f"{HOOKS}/{webhook}", headers=acme.headers("admin"), json={"enabled": True}
    )
    assert (enabled.json()["enabled"], enabled.json()["failureRun"]) == (True, 0)


async def test_test_events_replays_roles_and_tenants(
    local: httpx.AsyncClient,
    acme: Tenant,
    globex: Tenant,
    test_database: Database,
    local_settings: Settings,
    conn: AsyncConnection,
) -> None:
    async with receiver() as hook:
        made = await local.post(
            HOOKS,
            headers=acme.headers("admin"),
            json={"url": hook.url, "events": ["part.low_stock"]},
        )
        webhook = made.json()["id"]
        sent = await local.post(f"{HOOKS}/{webhook}/test", headers=acme.headers("admin"))
        assert (sent.status_code, sent.json()["eventType"]) == (202, "webhook.test")
        queued = await conn.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'webhooks:deliver'"
                " AND args->>'delivery_id' = :d"
            ),
            {"d": sent.json()["id"]},
        )
        assert queued == 1
        delivery_id = UUID(sent.json()["id"])
        assert await delivery.attempt(
            test_database, local_settings, acme.organization_id, delivery_id
        )
        replayed = await local.post(
            f"{HOOKS}/deliveries/{delivery_id}/replay", headers=acme.headers("admin")
        )
        assert (replayed.status_code, replayed.json()["status"]) == (202, "pending")
        assert await delivery.attempt(
            test_database, local_settings, acme.organization_id, delivery_id
        )
        assert [Webhook(made.json()["secret"]).verify(b, h)["type"] for h, b in hook.received] == [
            "webhook.test",
            "webhook.test",
        ]
    for role in ("manager", "supervisor", "technician"):
        assert (await local.get(HOOKS, headers=acme.headers(role))).status_code == 403
    for method, path in (
        ("GET", f"{HOOKS}/{webhook}"),
        ("PATCH", f"{HOOKS}/{webhook}"),
        ("DELETE", f"{HOOKS}/{webhook}"),
        ("GET", f"{HOOKS}/{webhook}/deliveries"),
        ("POST", f"{HOOKS}/{webhook}/test"),
        ("POST", f"{HOOKS}/deliveries/{delivery_id}/replay"),
    ):
        response = await local.request(
            method, path, headers=globex.headers("admin"), json={} if method == "PATCH" else None
        )
        assert response.status_code == 404, (method, path)
    assert (await local.get(HOOKS, headers=globex.headers("admin"))).json()["items"] == []
