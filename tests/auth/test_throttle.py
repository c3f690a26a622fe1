from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.auth import tasks, throttle
from maintainpro.config import Settings
from maintainpro.core import context, tokens
from maintainpro.core.db import Database
from maintainpro.models import (
    AuthThrottle,
    PasswordResetToken,
    RateLimitWindow,
    RefreshToken,
    UserSession,
)
from tests.factories.identity import Tenant


async def test_prune_keeps_fresh_state_and_drops_stale_state(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, test_database: Database
) -> None:
    old = datetime.now(UTC) - timedelta(days=3)
    keys = throttle.LoginKeys.of("fresh@example.com", "192.0.2.1")
    async with sessions() as session, session.begin():
        await throttle.hit(session, "fresh")
        await throttle.record_failure(session, settings.auth, keys)
        session.add(RateLimitWindow(key="stale", window_start=old, hits=3))
        session.add(AuthThrottle(key="stale-account", failures=9, locked_until=old, updated_at=old))
        session.add(
            AuthThrottle(
                key="still-locked",
                failures=9,
                updated_at=old,
                locked_until=datetime.now(UTC) + timedelta(hours=1),
            )
        )
    await tasks.prune(test_database)
    async with sessions() as session:
        windows = set(await session.scalars(select(RateLimitWindow.key)))
        throttles = set(await session.scalars(select(AuthThrottle.key)))
        failures = await session.scalar(
            select(func.sum(AuthThrottle.failures)).where(AuthThrottle.key == keys.per_account)
        )
        hits = await session.scalar(text("SELECT hits FROM rate_limit_windows WHERE key = 'fresh'"))
    # Other tests may have committed fresh state of their own: only these keys are looked at.
    assert "fresh" in windows
    assert "stale" not in windows
    assert {keys.per_ip, keys.per_account, "still-locked"} <= throttles
    assert "stale-account" not in throttles
    assert (failures, hits) == (1, 1)


async def test_prune_removes_expired_sessions_refresh_and_reset_tokens(
    sessions: async_sessionmaker[AsyncSession], test_database: Database, acme: Tenant
) -> None:
    """The periodic job (registered as `auth-prune`) empties what can never be used again."""
    now = datetime.now(UTC)
    old = now - timedelta(days=3)
    user = acme.users["technician"]
    org = acme.organization_id
    with context.scoped(organization_id=org):
        async with sessions() as session, session.begin():
            expired = UserSession(organization_id=org, user_id=user.id, expires_at=old)
            revoked = UserSession(
                organization_id=org, user_id=user.id, expires_at=now + timedelta(days=9)
            )
            revoked.revoked_at = old
            live = UserSession(organization_id=org, user_id=user.id, expires_at=now + timedelta(1))
            session.add_all([expired, revoked, live])
            await session.flush()
            for login in (expired, revoked, live):
                digest = tokens.issue("refresh", org).digest
                session.add(RefreshToken(organization_id=org, session_id=login.id, digest=digest))
            soon = now + timedelta(hours=1)
            # Expired; used long ago; still usable.
            for expires_at, used_at in ((old, None), (soon, old), (soon, None)):
                session.add(
                    PasswordResetToken(
                        organization_id=org,
                        user_id=user.id,
                        digest=tokens.issue("reset", org).digest,
                        expires_at=expires_at,
                        used_at=used_at,
                    )
                )
    assert await tasks.prune(test_database) >= 4
    with context.scoped(organization_id=org):
        async with sessions() as session:
            left = set(
                await session.scalars(
                    select(UserSession.id).where(UserSession.organization_id == org)
                )
            )
            refresh_sessions = set(
                await session.scalars(
                    select(RefreshToken.session_id).where(RefreshToken.organization_id == org)
                )
            )
            resets = await session.scalar(
                select(func.count()).where(PasswordResetToken.organization_id == org)
            )
    assert live.id in left
    assert {expired.id, revoked.id}.isdisjoint(left)
    assert {expired.id, revoked.id}.isdisjoint(refresh_sessions)
    assert live.id in refresh_sessions
    assert resets == 1
