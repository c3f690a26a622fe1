"""The unit of work retries transient failures where safe, else answers 503 (D10)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.config import Settings
from maintainpro.core.db import Database
from maintainpro.core.errors import ServiceUnavailable
from maintainpro.core.transient import is_retryable, sqlstate, unit_of_work

RAISE = "DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '{code}'; END $$"


class Flaky:
    """Fails with a real PostgreSQL error of the given SQLSTATE a number of times."""

    def __init__(self, code: str, failures: int) -> None:
        self.code = code
        self.failures = failures
        self.calls = 0

    async def __call__(self, session: AsyncSession) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            await session.execute(text(RAISE.format(code=self.code)))
        return int(await session.scalar(text("SELECT 41 + 1")) or 0)


@pytest.mark.parametrize("code", ["40001", "40P01"])
async def test_serialization_failures_and_deadlocks_are_retried(
    database: Database, settings: Settings, code: str
) -> None:
    work = Flaky(code, failures=2)
    assert await unit_of_work(database.sessions, work, settings.database, retry=True) == 42
    assert work.calls == 3


async def test_retries_are_bounded(database: Database, settings: Settings) -> None:
    work = Flaky("40001", failures=99)
    with pytest.raises(ServiceUnavailable):
        await unit_of_work(database.sessions, work, settings.database, retry=True)
    assert work.calls == settings.database.retry_attempts


async def test_unsafe_work_is_not_retried(database: Database, settings: Settings) -> None:
    work = Flaky("40001", failures=1)
    with pytest.raises(ServiceUnavailable):
        await unit_of_work(database.sessions, work, settings.database, retry=False)
    assert work.calls == 1


async def test_caller_errors_are_not_transient(database: Database, settings: Settings) -> None:
    work = Flaky("23505", failures=1)
    with pytest.raises(IntegrityError) as raised:
        await unit_of_work(database.sessions, work, settings.database, retry=True)
    assert sqlstate(raised.value) == "23505"
    assert not is_retryable(raised.value)
    assert work.calls == 1


async def test_statement_timeout_is_unavailable_not_retried(
    database: Database, settings: Settings
) -> None:
    work = Flaky("57014", failures=1)
    with pytest.raises(ServiceUnavailable) as raised:
        await unit_of_work(database.sessions, work, settings.database, retry=True)
    assert isinstance(raised.value.__cause__, DBAPIError)
    assert work.calls == 1
