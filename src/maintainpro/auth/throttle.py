"""Login protection shared by every worker: lockout per (account, IP) with exponential backoff,
and a fixed-window rate limit per client. State lives in PostgreSQL, keyed by digests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.config import AuthSettings
from maintainpro.models import AuthThrottle

_RECORD_FAILURE = text(
    """
    INSERT INTO auth_throttles AS t (key, failures, locked_until, updated_at)
    VALUES (:key, 1, NULL, now())
    ON CONFLICT (key) DO UPDATE SET failures = t.failures + 1, updated_at = now(),
      locked_until = CASE WHEN t.failures + 1 >= :threshold THEN now() + make_interval(
          secs => least(:base * power(2, t.failures + 1 - :threshold), :cap))
        ELSE t.locked_until END
    RETURNING locked_until
    """
)
_HIT = text(
    """
    INSERT INTO rate_limit_windows AS w (key, window_start, hits)
    VALUES (:key, date_trunc('minute', now()), 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = w.hits + 1
    RETURNING hits
    """
)


def account_key(email: str, ip: str | None) -> str:
    return hashlib.sha256(f"{email.lower()}|{ip or '-'}".encode()).hexdigest()


async def locked_for(session: AsyncSession, key: str) -> timedelta | None:
    until = await session.scalar(
        text("SELECT locked_until FROM auth_throttles WHERE key = :key"), {"key": key}
    )
    now = datetime.now(UTC)
    return until - now if until is not None and until > now else None


async def record_failure(session: AsyncSession, settings: AuthSettings, key: str) -> None:
    await session.execute(
        _RECORD_FAILURE,
        {
            "key": key,
            "threshold": settings.lockout_threshold,
            "base": settings.lockout_base_s,
            "cap": settings.lockout_max_s,
        },
    )


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(delete(AuthThrottle).where(AuthThrottle.key == key))


async def hit(session: AsyncSession, key: str) -> int:
    """Counts one request in the current minute; returns the count so far."""
    return int(await session.scalar(_HIT, {"key": key}) or 0)


async def prune(session: AsyncSession, *, older_than: timedelta) -> None:
    """Drops counters and lockouts nobody has touched for a while (run by the worker)."""
    cutoff = datetime.now(UTC) - older_than
    await session.execute(
        text("DELETE FROM rate_limit_windows WHERE window_start < :cutoff"), {"cutoff": cutoff}
    )
    await session.execute(
        delete(AuthThrottle).where(
            AuthThrottle.updated_at < cutoff,
            (AuthThrottle.locked_until.is_(None)) | (AuthThrottle.locked_until < cutoff),
        )
    )
