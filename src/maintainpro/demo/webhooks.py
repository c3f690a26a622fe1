"""The demo's webhook: a subscription to every public event, pointing at nothing and disabled,
so an admin sees the shape and points it at their own receiver."""

from __future__ import annotations

from typing import get_args
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import keys
from maintainpro.config import AuthSettings
from maintainpro.models import WebhookSubscription
from maintainpro.webhook.schemas import EventType
from maintainpro.webhook.signing import new_secret

URL = "https://hooks.example.com/maintainpro"


async def seed_webhook(session: AsyncSession, organization_id: UUID, auth: AuthSettings) -> None:
    """Idempotent: an organization with any subscription is left alone."""
    if await session.scalar(
        select(WebhookSubscription.id)
        .where(WebhookSubscription.organization_id == organization_id)
        .limit(1)
    ):
        return
    session.add(
        WebhookSubscription(
            organization_id=organization_id,
            url=URL,
            events=list(get_args(EventType)),
            description="Point this at your receiver, then enable it.",
            secret_encrypted=keys.encrypt(auth, new_secret()),
            enabled=False,
            disabled_reason="a demo target that receives nothing",
        )
    )
    await session.flush()
