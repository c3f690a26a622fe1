"""The unit of work retries transient failures where safe, else answers 503 (D10)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from maintainpro.config import Settings
from maintainpro.core.db import Database
from maintainpro.core.errors import ServiceUnavailable
from maintainpro.core.transient import is_retryable, sqlstate, unit_of_work
from tests.factories.faults import Flaky


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
