"""Sign-in protection shared by every worker, in PostgreSQL, keyed by digests (D12).

Two counters meet every login attempt:
- per (account, client IP): a few failures, then exponential backoff (`lockout_*`);
- per account, whatever the IP: more failures are allowed, then a shorter backoff with a low cap
  (`account_lockout_*`), so rotating addresses buys no unlimited guesses while nobody can lock a
  victim out for more than `account_lockout_max_s` at a time. Past `captcha_after_failures`
  account-wide failures, the CAPTCHA hook (`auth/captcha.py`) is asked too.
Both are backoff windows, never a hard lock; a successful sign-in clears them. Fixed-window rate
limits per client (sign-in, sign-up, password reset) live here too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, text
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


@dataclass(frozen=True, slots=True)
class Backoff:
    threshold: int
    base_s: int
    cap_s: int


@dataclass(frozen=True, slots=True)
class LoginKeys:
    """The two counters one login attempt meets."""

    per_ip: str
    per_account: str

    @classmethod
    def of(cls, email: str, ip: str | None) -> LoginKeys:
        address = email.lower()
        return cls(_digest(f"{address}|{ip or '-'}"), _digest(f"{address}|*"))

    def pairs(self, settings: AuthSettings) -> tuple[tuple[str, Backoff], ...]:
        return (
            (
                self.per_ip,
                Backoff(
                    settings.lockout_threshold, settings.lockout_base_s, settings.lockout_max_s
                ),
            ),
            (
                self.per_account,
                Backoff(
                    settings.account_lockout_threshold,
                    settings.account_lockout_base_s,
                    settings.account_lockout_max_s,
                ),
            ),
        )


@dataclass(frozen=True, slots=True)
class LoginState:
    account_failures: int
    locked_for: timedelta | None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def login_state(session: AsyncSession, keys: LoginKeys) -> LoginState:
    """The account-wide failure count and the longest backoff still running on either key."""
    rows = list(
        await session.scalars(
            select(AuthThrottle).where(AuthThrottle.key.in_([keys.per_ip, keys.per_account]))
        )
    )
    now = datetime.now(UTC)
    waits = [row.locked_until - now for row in rows if row.locked_until and row.locked_until > now]
    failures = next((row.failures for row in rows if row.key == keys.per_account), 0)
    return LoginState(failures, max(waits) if waits else None)


async def record_failure(session: AsyncSession, settings: AuthSettings, keys: LoginKeys) -> None:
    for key, policy in keys.pairs(settings):
        await session.execute(
            _RECORD_FAILURE,
            {"key": key, "threshold": policy.threshold, "base": policy.base_s, "cap": policy.cap_s},
        )


async def clear(session: AsyncSession, keys: LoginKeys) -> None:
    await session.execute(
        delete(AuthThrottle).where(AuthThrottle.key.in_([keys.per_ip, keys.per_account]))
    )


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
