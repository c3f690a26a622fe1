"""Telling people (C6): one statement writes a notification to every recipient who has not
turned the type off in the app, skipping those already told of the same event; the new rows
reach open browsers through LISTEN/NOTIFY (`stream.py`) and, where the user wants it, e-mail.
Reading, marking read and preferences are the caller's own, whatever their role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from uuid import UUID

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Principal
from maintainpro.config import MailSettings
from maintainpro.core.errors import NotFound
from maintainpro.core.pagination import Keyset, Page
from maintainpro.mail.sender import build_sender
from maintainpro.models import Notification, NotificationPreference
from maintainpro.models.base import new_id
from maintainpro.models.notification import CHANNELS, NOTIFICATION_TYPES
from maintainpro.notification.schemas import (
    NotificationFilter,
    NotificationRead,
    PreferenceList,
    PreferenceRead,
    PreferencesUpdate,
    ReadAll,
    UnreadCount,
)
from maintainpro.outbox import service as outbox_service

MAIL_QUEUE, MAIL_TASK = "system", "notifications:send_mail"
# Where a user has made no choice: everything in the app; by e-mail what needs them.
EMAIL_BY_DEFAULT = frozenset(
    {"assignment", "escalation", "po_approval_needed", "request_decided", "webhook_disabled"}
)

_NOTIFY = text("""
WITH wanted AS (
  SELECT u.id, u.email,
         coalesce((SELECT p.enabled FROM notification_preferences p
                   WHERE p.organization_id = u.organization_id AND p.user_id = u.id
                     AND p.type = :type AND p.channel = 'email'), :email_default) AS by_email
  FROM users u
  WHERE u.organization_id = :org AND u.id = ANY(CAST(:users AS uuid[]))
    AND u.deleted_at IS NULL AND u.is_active
    AND coalesce((SELECT p.enabled FROM notification_preferences p
                  WHERE p.organization_id = u.organization_id AND p.user_id = u.id
                    AND p.type = :type AND p.channel = 'in_app'), true)
), told AS (
  INSERT INTO notifications (id, organization_id, user_id, type, title, body, entity_type,
                             entity_id, event_id)
  SELECT app.uuidv7(), :org, w.id, :type, :title, :body, :entity_type, :entity_id, :event_id
  FROM wanted w
  ON CONFLICT (organization_id, user_id, event_id) DO NOTHING
  RETURNING user_id
)
SELECT w.email FROM wanted w JOIN told t ON t.user_id = w.id WHERE w.by_email
""")

NEWEST_FIRST = Keyset(Notification.id, Notification.id, UUID, descending=True)


@dataclass(frozen=True, slots=True)
class Message:
    type: str
    title: str
    body: str | None = None
    entity_type: str | None = None
    entity_id: UUID | None = None


async def notify(
    session: AsyncSession,
    organization_id: UUID,
    user_ids: Iterable[UUID],
    message: Message,
    *,
    event_id: UUID | None = None,
) -> list[str]:
    """Tells each user once per event; returns the addresses that will be mailed."""
    users = list(dict.fromkeys(user_ids))
    if not users:
        return []
    rows = await session.execute(
        _NOTIFY,
        {
            "org": organization_id,
            "users": users,
            "type": message.type,
            "title": message.title[:200],
            "body": message.body,
            "entity_type": message.entity_type,
            "entity_id": message.entity_id,
            "event_id": event_id,
            "email_default": message.type in EMAIL_BY_DEFAULT,
        },
    )
    addresses = [email for (email,) in rows]
    if addresses:
        # Sent by a job of its own after the commit: a slow or failing mail server neither
        # holds nor undoes the notifications, and retries on its own.
        job = {"to": addresses, "subject": message.title[:200], "body": message.body}
        await outbox_service.defer_jobs(session, MAIL_QUEUE, MAIL_TASK, [job])
    return addresses


async def send_mail(settings: MailSettings, to: list[str], subject: str, body: str | None) -> None:
    sender = build_sender(settings)
    for address in to:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = settings.sender, address, subject
        mail.set_content(f"{body or subject}\n\n{settings.public_url}\n")
        await sender.send(mail)


def _mine(principal: Principal) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (
        Notification.organization_id == principal.organization_id,
        Notification.user_id == principal.user_id,
    )


async def list_mine(
    session: AsyncSession, principal: Principal, query: NotificationFilter
) -> Page[NotificationRead]:
    statement = select(Notification).where(*_mine(principal))
    if query.unread is True:
        statement = statement.where(Notification.read_at.is_(None))
    elif query.unread is False:
        statement = statement.where(Notification.read_at.is_not(None))
    rows = list(await session.scalars(NEWEST_FIRST.page(statement, query.cursor, query.limit)))
    page, next_cursor = NEWEST_FIRST.split(rows, query.limit)
    return Page(items=[NotificationRead.model_validate(n) for n in page], next_cursor=next_cursor)


async def unread(session: AsyncSession, principal: Principal) -> UnreadCount:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(*_mine(principal), Notification.read_at.is_(None))
    )
    return UnreadCount(unread=count or 0)


async def mark_read(
    session: AsyncSession, principal: Principal, notification_id: UUID
) -> NotificationRead:
    """Idempotent: a notification read before keeps its first reading time."""
    found = await session.scalar(
        update(Notification)
        .where(*_mine(principal), Notification.id == notification_id)
        .values(read_at=func.coalesce(Notification.read_at, datetime.now(UTC)))
        .returning(Notification)
    )
    if found is None:
        raise NotFound("No such notification.")
    return NotificationRead.model_validate(found)


async def mark_all_read(session: AsyncSession, principal: Principal) -> ReadAll:
    result = await session.execute(
        update(Notification)
        .where(*_mine(principal), Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    )
    return ReadAll(marked=getattr(result, "rowcount", 0) or 0)


async def preferences(session: AsyncSession, principal: Principal) -> PreferenceList:
    """Every type on every channel, the user's choice or the default."""
    rows = await session.execute(
        select(
            NotificationPreference.type,
            NotificationPreference.channel,
            NotificationPreference.enabled,
        ).where(
            NotificationPreference.organization_id == principal.organization_id,
            NotificationPreference.user_id == principal.user_id,
        )
    )
    chosen = {(kind, channel): enabled for kind, channel, enabled in rows}
    return PreferenceList(
        items=[
            PreferenceRead(
                type=kind,
                channel=channel,
                enabled=chosen.get(
                    (kind, channel), channel == "in_app" or kind in EMAIL_BY_DEFAULT
                ),
            )
            for kind in NOTIFICATION_TYPES
            for channel in CHANNELS
        ]
    )


async def set_preferences(
    session: AsyncSession, principal: Principal, data: PreferencesUpdate
) -> PreferenceList:
    # One row per choice: a choice sent twice counts as its last.
    choices = {(item.type, item.channel): item.enabled for item in data.items}
    statement = insert(NotificationPreference).values(
        [
            {
                "id": new_id(),
                "organization_id": principal.organization_id,
                "user_id": principal.user_id,
                "type": kind,
                "channel": channel,
                "enabled": enabled,
            }
            for (kind, channel), enabled in choices.items()
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["organization_id", "user_id", "type", "channel"],
            set_={"enabled": statement.excluded.enabled, "updated_at": func.now()},
        )
    )
    return await preferences(session, principal)
