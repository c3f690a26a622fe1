"""Delivering one event to one subscription, at least once: each attempt is a job; the request
goes out between two transactions (no database connection is held while a receiver thinks),
and its outcome is recorded with the attempt, the delivery and the subscription's run of
failures. A failed attempt is retried with exponential backoff and jitter until the setting's
number of attempts; a run of failures as long as `webhooks.disable_after` disables the
subscription and tells its organization's admins."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC
from uuid import UUID

import httpx
import orjson
import procrastinate
from procrastinate.jobs import Job
from procrastinate.retry import RetryDecision
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import keys
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from maintainpro.notification.service import Message, notify
from maintainpro.webhook import signing, targets

USER_AGENT = "MaintAInPro-Webhooks/1"
FIRST_WAIT_S = 10.0
MAX_WAIT_S = 6 * 3600.0

_ADMINS = text(
    "SELECT id FROM users WHERE organization_id = :org AND role = 'admin'"
    " AND deleted_at IS NULL AND is_active"
)


class AttemptFailed(Exception):
    """Raised by the job after a failed attempt is recorded, so that it is tried again."""


class Backoff(procrastinate.BaseRetryStrategy):
    """10 s, 20 s, 40 s... up to six hours, each wait drawn between half and all of it (full
    jitter, so receivers coming back up are not hit by every sender at once)."""

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, AttemptFailed) or job.attempts + 1 >= self.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": int(wait_before(job.attempts + 1))})


def wait_before(attempt: int) -> float:
    """The wait before attempt `attempt + 1` (attempt 1 is the first retry)."""
    ceiling = min(FIRST_WAIT_S * 2 ** (attempt - 1), MAX_WAIT_S)
    return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(delivery: WebhookDelivery) -> bytes:
    return orjson.dumps(
        {
            "type": delivery.event_type,
            "timestamp": delivery.created_at.astimezone(UTC).isoformat(),
            "data": delivery.payload,
        }
    )


async def send(settings: Settings, url: str, secret: str, delivery: WebhookDelivery) -> Outcome:
    body = body_of(delivery)
    started = time.perf_counter()
    try:
        target = await targets.resolve(url, settings.webhooks.allow_private_targets)
    except targets.TargetRefused as exc:
        return Outcome(None, f"refused: {exc}", 0)
    host = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    headers = {
        "host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signing.headers(secret, str(delivery.id), int(time.time()), body),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        # Only the status matters: the answer's body is never read (nor its size trusted); no
        # proxy from the environment: the request must reach the address just checked.
        async with (
            httpx.AsyncClient(
                timeout=settings.webhooks.timeout_s, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST",
                f"{target.scheme}://{host}:{target.port}{target.path}",
                content=body,
                headers=headers,
                extensions=extensions,
            ) as response,
        ):
            status, error = response.status_code, None
    except httpx.HTTPError as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:500]
    return Outcome(status, error, int((time.perf_counter() - started) * 1000))


async def attempt(
    database: Database, settings: Settings, organization_id: UUID, delivery_id: UUID
) -> bool:
    """One attempt; True when the delivery is done (delivered, or nothing left to try)."""
    with context.scoped(organization_id=organization_id):
        async with transaction(database.sessions) as session:
            found = (
                await session.execute(
                    select(WebhookDelivery, WebhookSubscription)
                    .join(
                        WebhookSubscription,
                        (WebhookSubscription.organization_id == WebhookDelivery.organization_id)
                        & (WebhookSubscription.id == WebhookDelivery.subscription_id),
                    )
                    .where(
                        WebhookDelivery.organization_id == organization_id,
                        WebhookDelivery.id == delivery_id,
                    )
                )
            ).first()
            if found is None:
                return True
            delivery, subscription = found
            if delivery.status != "pending":
                return True  # delivered, or given up on (a replay makes it pending again)
            live = subscription.enabled and subscription.deleted_at is None
            url = subscription.url
            secret = keys.decrypt(settings.auth, subscription.secret_encrypted)
            session.expunge(delivery)
        outcome = (
            await send(settings, url, secret, delivery)
            if live
            else Outcome(None, "subscription disabled", 0)
        )
        async with transaction(database.sessions) as session:
            return await _record(session, settings, delivery, outcome, live)


# The run of failures is bookkeeping (no new version, no audit row); the disabling is not.
_COUNT = text("""
UPDATE webhook_subscriptions
SET failure_run = CASE WHEN :ok THEN 0 ELSE failure_run + 1 END,
    enabled = enabled AND (:ok OR failure_run + 1 < :limit),
    disabled_reason = CASE WHEN NOT :ok AND failure_run + 1 >= :limit
                      THEN (failure_run + 1) || ' failed attempts in a row'
                      ELSE disabled_reason END
WHERE organization_id = :org AND id = :id AND enabled
RETURNING enabled, url, failure_run
""")
# The count moves in SQL: a replay beside a scheduled retry numbers its attempt after it.
_RECORD = text("""
UPDATE webhook_deliveries
SET attempts = attempts + 1,
    status = CASE WHEN :ok THEN 'succeeded'
                  WHEN NOT :live OR attempts + 1 >= :max THEN 'failed'
                  ELSE 'pending' END,
    last_status_code = :code, last_error = :error,
    delivered_at = CASE WHEN :ok THEN now() END
WHERE organization_id = :org AND id = :id
RETURNING attempts, status
""")


async def _record(
    session: AsyncSession,
    settings: Settings,
    delivery: WebhookDelivery,
    outcome: Outcome,
    live: bool,
) -> bool:
    row = (
        await session.execute(
            _RECORD,
            {
                "ok": outcome.succeeded,
                "live": live,
                "max": settings.webhooks.max_attempts,
                "code": outcome.status_code,
                "error": outcome.error,
                "org": delivery.organization_id,
                "id": delivery.id,
            },
        )
    ).one()
    session.add(
        WebhookAttempt(
            organization_id=delivery.organization_id,
            delivery_id=delivery.id,
            attempt=row.attempts,
            status_code=outcome.status_code,
            error=outcome.error,
            latency_ms=outcome.latency_ms,
        )
    )
    if live:
        await _count(session, settings, delivery, outcome)
    return bool(row.status != "pending")


async def _count(
    session: AsyncSession, settings: Settings, delivery: WebhookDelivery, outcome: Outcome
) -> None:
    """The subscription's run of failures: reset by a success; at the setting's length the
    subscription is disabled and the admins told."""
    params = {
        "ok": outcome.succeeded,
        "limit": settings.webhooks.disable_after,
        "org": delivery.organization_id,
        "id": delivery.subscription_id,
    }
    row = (await session.execute(_COUNT, params)).first()
    if row is None or row.enabled:
        return
    admins = list(await session.scalars(_ADMINS, {"org": delivery.organization_id}))
    message = Message(
        "webhook_disabled",
        f"Webhook to {row.url[:120]} disabled after {row.failure_run} failed attempts",
        outcome.error or f"Last answer: {outcome.status_code}",
        "webhook_subscription",
        delivery.subscription_id,
    )
    await notify(session, delivery.organization_id, admins, message)
