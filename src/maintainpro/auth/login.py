"""Sign-in in three short steps, so argon2id never runs inside an open transaction (C2, D12).

1. `begin` (one transaction): counts the attempt against the client's rate limit, reads both
   backoff counters and resolves the account (its id and password hash only).
2. Outside any transaction, in a worker thread: the CAPTCHA hook when the account has had many
   failures, then the password check (and a rehash when the parameters changed).
3. `finish` (one transaction): the account is read again under a row lock and must be unchanged;
   then the second factor, the new session and the cleared counters. A failure is recorded in a
   transaction of its own by `fail`, so it persists although the attempt fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from maintainpro.auth import mfa, passwords, throttle
from maintainpro.auth import service as auth_service
from maintainpro.auth.captcha import CaptchaRequired, CaptchaVerifier
from maintainpro.config import AuthSettings
from maintainpro.core import context
from maintainpro.core.db import apply_context
from maintainpro.core.errors import AccountLocked, TooManyRequests, Unauthenticated
from maintainpro.models import User


@dataclass(frozen=True, slots=True)
class Attempt:
    keys: throttle.LoginKeys
    ip: str | None
    hits: int
    state: throttle.LoginState
    user_id: UUID | None
    organization_id: UUID | None
    password_hash: str | None


async def begin(session: AsyncSession, email: str, ip: str | None) -> Attempt:
    keys = throttle.LoginKeys.of(email, ip)
    hits = await throttle.hit(session, f"login:{ip or '-'}")
    state = await throttle.login_state(session, keys)
    user = await auth_service.resolve_login(session, email)
    if user is None:
        return Attempt(keys, ip, hits, state, None, None, None)
    return Attempt(keys, ip, hits, state, user.id, user.organization_id, user.password_hash)


def admit(settings: AuthSettings, attempt: Attempt) -> None:
    """Raised after `begin` has committed, so the counted hit stays counted."""
    if attempt.hits > settings.login_rate_per_minute:
        raise TooManyRequests(
            "Too many sign-in attempts; wait a minute.", retry_after_s=auth_service.RATE_WINDOW_S
        )
    if attempt.state.locked_for is not None:
        raise AccountLocked(
            "Too many failed sign-ins for this account; try again later.",
            retry_after_s=int(attempt.state.locked_for.total_seconds()) + 1,
        )


async def check_password(
    settings: AuthSettings,
    attempt: Attempt,
    password: str,
    *,
    captcha: CaptchaVerifier,
    captcha_token: str | None,
) -> str:
    """Outside any transaction. Returns the hash to store (a fresh one when the parameters
    changed); raises when the password is wrong or the CAPTCHA hook refuses."""
    failures = attempt.state.account_failures
    if failures >= settings.captcha_after_failures and not await captcha(
        token=captcha_token, ip=attempt.ip, failures=failures
    ):
        raise CaptchaRequired("Solve the CAPTCHA and send its `captchaToken` to sign in.")
    valid = await passwords.verify_in_thread(attempt.password_hash, password)
    if attempt.password_hash is None or not valid:
        raise Unauthenticated(auth_service.BAD_CREDENTIALS)
    if passwords.needs_rehash(attempt.password_hash):
        return await passwords.hash_in_thread(password)
    return attempt.password_hash


async def finish(
    session: AsyncSession,
    settings: AuthSettings,
    attempt: Attempt,
    *,
    password_hash: str,
    mfa_code: str | None,
    ip: str | None,
    user_agent: str | None,
) -> auth_service.IssuedTokens:
    if attempt.organization_id is None or attempt.user_id is None:
        raise Unauthenticated(auth_service.BAD_CREDENTIALS)
    context.bind(organization_id=attempt.organization_id, user_id=attempt.user_id)
    await apply_context(session)
    user = await session.scalar(
        select(User)
        .where(
            User.organization_id == attempt.organization_id,
            User.id == attempt.user_id,
            User.deleted_at.is_(None),
        )
        .with_for_update()
    )
    # A password changed (or an account closed) since step 1 makes the checked password stale.
    if user is None or not user.is_active or user.password_hash != attempt.password_hash:
        raise Unauthenticated(auth_service.BAD_CREDENTIALS)
    await mfa.require_second_factor(session, settings, user, mfa_code)
    if password_hash != user.password_hash:
        user.password_hash = password_hash
    await _record_sign_in(session, user)
    issued = await auth_service.start_session(session, settings, user, ip=ip, user_agent=user_agent)
    await throttle.clear(session, attempt.keys)
    return issued


async def _record_sign_in(session: AsyncSession, user: User) -> None:
    """Bookkeeping, not an edit: neither `version` (the ETag) nor `updated_at` moves."""
    now = datetime.now(UTC)
    await session.execute(
        update(User)
        .where(User.organization_id == user.organization_id, User.id == user.id)
        .values(last_login_at=now, updated_at=User.updated_at, updated_by=User.updated_by)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(user, "last_login_at", now)


async def fail(session: AsyncSession, settings: AuthSettings, attempt: Attempt) -> None:
    await throttle.record_failure(session, settings, attempt.keys)
