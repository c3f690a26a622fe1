from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.auth import tasks, throttle
from maintainpro.config import Settings
from maintainpro.core.db import Database
from maintainpro.models import AuthThrottle, RateLimitWindow


async def test_prune_keeps_fresh_state_and_drops_stale_state(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, test_database: Database
) -> None:
    old = datetime.now(UTC) - timedelta(days=3)
    async with sessions() as session, session.begin():
        await throttle.hit(session, "fresh")
        await throttle.record_failure(session, settings.auth, "fresh-account")
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
            select(func.sum(AuthThrottle.failures)).where(AuthThrottle.key == "fresh-account")
        )
        hits = await session.scalar(text("SELECT hits FROM rate_limit_windows WHERE key = 'fresh'"))
    assert windows == {"fresh"}
    assert throttles == {"fresh-account", "still-locked"}
    assert (failures, hits) == (1, 1)
