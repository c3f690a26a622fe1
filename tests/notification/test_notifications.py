"""Notifications from the outbox events and the caller's own list: who is told of what (never
the actor), read, read-all and the count, preferences per type and channel, e-mail as a job
after the commit, and nobody else's notifications through any route."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.config import MailSettings
from maintainpro.core import context
from maintainpro.models import OutboxEvent
from maintainpro.notification import tasks as _tasks  # noqa: F401  (registers the handlers)
from maintainpro.notification.service import Message, notify, send_mail
from maintainpro.outbox import handlers
from tests.factories.http import bearer
from tests.factories.identity import Tenant, make_api_key
from tests.factories.inventory import make_order, make_part, make_storeroom, make_vendor, receive
from tests.factories.pm import make_schedule, run_due
from tests.factories.work_order import URL, make_work_order

NOTIFICATIONS = "/api/v1/notifications"


async def _deliver(sessions: async_sessionmaker[AsyncSession], tenant: Tenant, *types: str) -> int:
    """What the worker does with the tenant's events of these types (in the test's transaction)."""
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session, session.begin():
            events = list(
                await session.scalars(
                    select(OutboxEvent)
                    .where(
                        OutboxEvent.organization_id == tenant.organization_id,
                        OutboxEvent.event_type.in_(types),
                    )
                    .order_by(OutboxEvent.id)
                )
            )
            for event in events:
                await handlers.dispatch(session, event)
    return len(events)


async def _titles(client: httpx.AsyncClient, tenant: Tenant, role: str) -> list[str]:
    response = await client.get(NOTIFICATIONS, headers=tenant.headers(role))
    assert response.status_code == 200, response.text
    return [n["title"] for n in response.json()["items"]]


async def test_assignment_completion_and_mentions(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tech = str(acme.users["technician"].id)
    work = await make_work_order(
        client,
        acme,
        role="supervisor",
        assigneeIds=[tech],
        requesterId=str(acme.users["requester"].id),
    )
    comment = await client.post(
        f"{URL}/{work['id']}/comments",
        headers=acme.headers("technician"),
        json={"body": "Needs a new seal", "mentionIds": [str(acme.users["supervisor"].id)]},
    )
    assert comment.status_code == 201, comment.text
    await finish_assigned(client, acme, work)
    types = ("work_order.created", "work_order.status_changed", "work_order.comment_added")
    assert await _deliver(sessions, acme, *types) >= 3
    number = work["number"]
    assert await _titles(client, acme, "technician") == [
        f"{number} assigned to you: Inspect the feed pump"
    ]
    assert await _titles(client, acme, "supervisor") == [f"You were mentioned on {number}"]
    assert await _titles(client, acme, "requester") == [f"{number} is done: Inspect the feed pump"]
    assert await _deliver(sessions, acme, *types) >= 3  # the worker ran again: no one told twice
    assert len(await _titles(client, acme, "technician")) == 1


async def finish_assigned(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object]
) -> None:
    url = f"{URL}/{work['id']}/transitions"
    for step in ("in_progress", "completed"):
        moved = await client.post(url, headers=tenant.headers("technician"), json={"to": step})
        assert moved.status_code == 200, moved.text


async def test_low_stock_and_approval_reach_who_acts_on_them(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "BRG-9", name="Bearing 6204", defaultUnitCost="10")
    await receive(client, acme, part, store, "3")
    put = await client.put(
        f"/api/v1/parts/{part['id']}/stock/{store}",
        headers=acme.headers("admin"),  # the actor, told of nothing
        json={"reorderPoint": "5"},
    )
    assert put.status_code == 200, put.text
    vendor = await make_vendor(client, acme)
    order = await make_order(client, acme, vendor, store, [{"partId": part["id"], "quantity": "4"}])
    submitted = await client.post(
        f"/api/v1/purchase-orders/{order['id']}/transitions",
        headers=acme.headers("inventory_clerk"),
        json={"to": "submitted"},
    )
    assert submitted.status_code == 200, submitted.text
    await _deliver(sessions, acme, "part.low_stock", "purchase_order.approval_needed")
    low = "Low stock: BRG-9 Bearing 6204 (3 left)"
    assert await _titles(client, acme, "inventory_clerk") == [low]
    approval = f"{order['number']} waits for your approval (40.00 EUR)"
    assert await _titles(client, acme, "manager") == [approval, low]
    assert await _titles(client, acme, "admin") == [approval]
    assert await _titles(client, acme, "technician") == []


async def test_read_read_all_count_and_nobody_elses(
    client: httpx.AsyncClient,
    acme: Tenant,
    globex: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    me = acme.users["technician"].id
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            for n in range(3):
                await notify(session, acme.organization_id, [me], Message("mention", f"N{n}"))
                await asyncio.sleep(0.002)  # ids are time-ordered to the millisecond
    headers = acme.headers("technician")
    listed = (await client.get(NOTIFICATIONS, headers=headers)).json()["items"]
    assert [n["title"] for n in listed] == ["N2", "N1", "N0"]
    count = await client.get(f"{NOTIFICATIONS}/unread-count", headers=headers)
    assert count.json() == {"unread": 3}
    first = listed[0]["id"]
    read = await client.post(f"{NOTIFICATIONS}/{first}/read", headers=headers)
    assert read.status_code == 200
    assert read.json()["readAt"] is not None
    again = await client.post(f"{NOTIFICATIONS}/{first}/read", headers=headers)
    assert again.json()["readAt"] == read.json()["readAt"]
    unread = await client.get(NOTIFICATIONS, headers=headers, params={"unread": "true"})
    assert [n["title"] for n in unread.json()["items"]] == ["N1", "N0"]
    for outsider in (acme.headers("admin"), globex.headers("technician")):
        hidden = await client.post(f"{NOTIFICATIONS}/{first}/read", headers=outsider)
        assert hidden.status_code == 404
        assert (await client.get(NOTIFICATIONS, headers=outsider)).json()["items"] == []
    marked = await client.post(f"{NOTIFICATIONS}/read-all", headers=headers)
    assert marked.json() == {"marked": 2}
    assert (await client.get(f"{NOTIFICATIONS}/unread-count", headers=headers)).json() == {
        "unread": 0
    }
    key = bearer(await make_api_key(sessions, acme.users["admin"], frozenset({"work_order:read"})))
    refused = await client.get(NOTIFICATIONS, headers=key)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


async def test_preferences_turn_types_off_and_choose_e_mail(
    client: httpx.AsyncClient,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    conn: AsyncConnection,
) -> None:
    url = "/api/v1/notification-preferences"
    headers = acme.headers("technician")
    defaults = {
        (p["type"], p["channel"]): p["enabled"]
        for p in (await client.get(url, headers=headers)).json()["items"]
    }
    assert defaults[("mention", "in_app")] is True
    assert (defaults[("mention", "email")], defaults[("assignment", "email")]) == (False, True)
    body = {
        "items": [
            {"type": "mention", "channel": "in_app", "enabled": False},
            {"type": "assignment", "channel": "email", "enabled": False},
            {"type": "low_stock", "channel": "email", "enabled": True},
        ]
    }
    saved = await client.put(url, headers=headers, json=body)
    assert saved.status_code == 200, saved.text
    chosen = {(p["type"], p["channel"]): p["enabled"] for p in saved.json()["items"]}
    assert chosen[("mention", "in_app")] is False
    assert chosen[("low_stock", "email")] is True
    bad = await client.put(
        url,
        headers=headers,
        json={"items": [{"type": "gossip", "channel": "email", "enabled": True}]},
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "items.0.type")
    me = acme.users["technician"].id
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            muted = await notify(session, acme.organization_id, [me], Message("mention", "m"))
            mailed = await notify(session, acme.organization_id, [me], Message("low_stock", "l"))
    assert (muted, mailed) == ([], [acme.users["technician"].email])
    assert await _titles(client, acme, "technician") == ["l"]
    jobs = await conn.scalar(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'notifications:send_mail'"
            " AND args->'to' ? :email"
        ),
        {"email": acme.users["technician"].email},
    )
    assert jobs == 1


async def test_the_requester_hears_how_their_requests_were_decided(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = []
    for title in ("Door sticks", "Paint the wall pink"):
        response = await client.post(
            "/api/v1/requests",
            headers=acme.headers("requester"),
            json={"title": title, "locationId": str(acme.north_area.id)},
        )
        assert response.status_code == 201, response.text
        filed.append(response.json()["id"])
    approved = await client.post(
        f"/api/v1/requests/{filed[0]}/approve", headers=acme.headers("supervisor"), json={}
    )
    assert approved.status_code == 200, approved.text
    rejected = await client.post(
        f"/api/v1/requests/{filed[1]}/reject",
        headers=acme.headers("supervisor"),
        json={"reason": "Not maintenance"},
    )
    assert rejected.status_code == 200, rejected.text
    assert await _deliver(sessions, acme, "request.decided") == 2
    assert await _deliver(sessions, acme, "request.decided") == 2  # run again: told once
    mine = await client.get(NOTIFICATIONS, headers=acme.headers("requester"))
    work = await client.get(
        f"{URL}/{approved.json()['workOrderId']}", headers=acme.headers("requester")
    )
    number = work.json()["number"]
    assert [(n["type"], n["title"], n["body"], n["entityId"]) for n in mine.json()["items"]] == [
        (
            "request_decided",
            "Your request was declined: Paint the wall pink",
            "Not maintenance",
            filed[1],
        ),
        ("request_decided", f"Your request became {number}: Door sticks", None, work.json()["id"]),
    ]
    assert await _titles(client, acme, "supervisor") == []  # the decider is not told


async def test_pm_work_tells_the_sites_supervisors(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    start = (datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None, microsecond=0)
    trigger = {"kind": "time", "rule": "FREQ=WEEKLY", "start": start.isoformat()}
    schedule = await make_schedule(client, acme, trigger, name="Weekly walk")
    [made] = await run_due(client, acme, schedule)
    await _deliver(sessions, acme, "pm.occurrence_created")
    work = await client.get(f"{URL}/{made['workOrderId']}", headers=acme.headers("admin"))
    assert await _titles(client, acme, "supervisor") == [
        f"PM due: {work.json()['number']} Weekly walk"
    ]
    assert await _titles(client, acme, "technician") == []


async def test_the_mail_job_sends_one_message_per_address(tmp_path: Path) -> None:
    settings = MailSettings(directory=tmp_path, sender="CMMS <cmms@example.com>")
    await send_mail(settings, ["a@example.com", "b@example.com"], "WO-000001 assigned", "Go")
    sent = await asyncio.to_thread(_mails, tmp_path)
    assert [(m["To"], m["Subject"]) for m in sent] == [
        ("a@example.com", "WO-000001 assigned"),
        ("b@example.com", "WO-000001 assigned"),
    ]
    assert sent[0].get_content().startswith("Go")


def _mails(directory: Path) -> list[EmailMessage]:
    """The dropped messages, oldest first (their file names are time-ordered)."""
    parser = BytesParser(policy=policy.default)
    found = [parser.parsebytes(path.read_bytes()) for path in sorted(directory.glob("*.eml"))]
    return [message for message in found if isinstance(message, EmailMessage)]
