"""Who is told of what: outbox events turned into notifications in the worker. Each handler
reads the recipients in one query and writes every notification in one statement; the actor
is never told of their own act. Run again after a failure, a handler tells no one twice (the
notification is unique per user and event)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import OutboxEvent
from maintainpro.notification.audience import DOERS
from maintainpro.notification.service import Message, notify
from maintainpro.outbox import handlers

# The work order, who does it (in person or through its team) and who asked for it.
_WORK = text(f"""
SELECT w.number, w.title, w.requester_id, array({DOERS}) AS doers
FROM work_orders w
WHERE w.organization_id = :org AND w.id = :id
""")
# Clerks of the storeroom's site (or of no site in particular) and the managers.
_STORES = text("""
SELECT u.id FROM users u
WHERE u.organization_id = :org AND u.deleted_at IS NULL AND u.is_active
  AND (u.role = 'manager'
       OR (u.role = 'inventory_clerk' AND (
             NOT EXISTS (SELECT FROM user_sites s WHERE s.organization_id = u.organization_id
                         AND s.user_id = u.id)
             OR EXISTS (SELECT FROM user_sites s JOIN locations l
                          ON l.organization_id = s.organization_id AND l.id = :store
                        WHERE s.organization_id = u.organization_id AND s.user_id = u.id
                          AND s.location_id = l.site_id))))
""")
_REQUESTER = text(
    "SELECT requester_id FROM maintenance_requests WHERE organization_id = :org AND id = :id"
)
_PART = text("SELECT part_number, name FROM parts WHERE organization_id = :org AND id = :id")
_APPROVERS = text("""
SELECT u.id FROM users u
WHERE u.organization_id = :org AND u.deleted_at IS NULL AND u.is_active
  AND u.role IN ('admin', 'manager')
""")
# The supervisors of the site the PM work is for.
_SUPERVISORS = text("""
SELECT u.id FROM users u
JOIN user_sites s ON s.organization_id = u.organization_id AND s.user_id = u.id
WHERE u.organization_id = :org AND u.role = 'supervisor' AND s.location_id = :site
  AND u.deleted_at IS NULL AND u.is_active
""")


def _ids(value: object) -> list[UUID]:
    return [UUID(str(item)) for item in value] if isinstance(value, list) else []


def _others(event: OutboxEvent, users: list[UUID]) -> list[UUID]:
    return [user for user in users if user != event.actor_id]


async def _tell(
    session: AsyncSession, event: OutboxEvent, users: list[UUID], message: Message
) -> None:
    await notify(session, event.organization_id, _others(event, users), message, event_id=event.id)


async def _work(session: AsyncSession, event: OutboxEvent) -> dict[str, object] | None:
    row = (
        await session.execute(_WORK, {"org": event.organization_id, "id": event.entity_id})
    ).first()
    return None if row is None else dict(row._mapping)


def _about_work(event: OutboxEvent, kind: str, title: str) -> Message:
    return Message(kind, title, entity_type="work_order", entity_id=event.entity_id)


async def _tell_assigned(
    session: AsyncSession, event: OutboxEvent, work: dict[str, object]
) -> None:
    title = f"{work['number']} assigned to you: {work['title']}"
    await _tell(session, event, _ids(work["doers"]), _about_work(event, "assignment", title))


@handlers.subscribe("work_order.created")
async def on_work_created(session: AsyncSession, event: OutboxEvent) -> None:
    work = await _work(session, event)
    if work is not None:
        await _tell_assigned(session, event, work)


@handlers.subscribe("work_order.status_changed")
async def on_work_moved(session: AsyncSession, event: OutboxEvent) -> None:
    target = event.payload.get("to")
    if target not in ("assigned", "completed"):
        return
    work = await _work(session, event)
    if work is None:
        return
    if target == "assigned":
        await _tell_assigned(session, event, work)
    elif isinstance(work["requester_id"], UUID):
        title = f"{work['number']} is done: {work['title']}"
        message = _about_work(event, "completion", title)
        await _tell(session, event, [work["requester_id"]], message)


@handlers.subscribe("work_order.comment_added")
async def on_comment(session: AsyncSession, event: OutboxEvent) -> None:
    mentioned = _ids(event.payload.get("mentionIds"))
    if mentioned:
        title = f"You were mentioned on {event.payload.get('number')}"
        await _tell(session, event, mentioned, _about_work(event, "mention", title))


@handlers.subscribe("request.decided")
async def on_request_decided(session: AsyncSession, event: OutboxEvent) -> None:
    """The person who asked hears whether their request became work (a request filed through
    a public link has no account to tell)."""
    requester = await session.scalar(
        _REQUESTER, {"org": event.organization_id, "id": event.entity_id}
    )
    if requester is None:
        return
    payload = event.payload
    if payload.get("status") == "approved":
        title = f"Your request became {payload.get('number')}: {payload.get('title')}"
        message = Message(
            "request_decided", title, None, "work_order", UUID(str(payload["workOrderId"]))
        )
    else:
        title = f"Your request was declined: {payload.get('title')}"
        message = Message(
            "request_decided", title, payload.get("reason"), "request", event.entity_id
        )
    await _tell(session, event, [requester], message)


@handlers.subscribe("part.low_stock")
async def on_low_stock(session: AsyncSession, event: OutboxEvent) -> None:
    params = {"org": event.organization_id, "store": event.payload.get("storeroomId")}
    users = list(await session.scalars(_STORES, params))
    part = (
        await session.execute(_PART, {"org": event.organization_id, "id": event.entity_id})
    ).first()
    if part is None or not users:
        return
    left = format(Decimal(str(event.payload.get("available", 0))).normalize(), "f")
    title = f"Low stock: {part.part_number} {part.name} ({left} left)"
    await _tell(session, event, users, Message("low_stock", title, None, "part", event.entity_id))


@handlers.subscribe("purchase_order.approval_needed")
async def on_approval_needed(session: AsyncSession, event: OutboxEvent) -> None:
    users = list(await session.scalars(_APPROVERS, {"org": event.organization_id}))
    payload = event.payload
    title = (
        f"{payload.get('number')} waits for your approval"
        f" ({payload.get('total')} {payload.get('currency')})"
    )
    message = Message("po_approval_needed", title, None, "purchase_order", event.entity_id)
    await _tell(session, event, users, message)


@handlers.subscribe("pm.occurrence_created")
async def on_pm_due(session: AsyncSession, event: OutboxEvent) -> None:
    params = {"org": event.organization_id, "site": event.payload.get("siteId")}
    users = list(await session.scalars(_SUPERVISORS, params))
    title = f"PM due: {event.payload.get('number')} {event.payload.get('name')}"
    work_id = event.payload.get("workOrderId")
    message = Message("pm_due", title, None, "work_order", UUID(str(work_id)) if work_id else None)
    await _tell(session, event, users, message)
