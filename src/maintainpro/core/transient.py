"""Database failures: which are transient (retry or 503) and which are the caller's fault."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.config import DatabaseSettings
from maintainpro.core.db import transaction
from maintainpro.core.errors import Conflict, FieldError, ServiceUnavailable
from maintainpro.core.logging import get_logger

T = TypeVar("T")
log = get_logger(__name__)

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
UNAVAILABLE_SQLSTATES = frozenset({"57014", "55P03", "57P01", "57P02", "57P03", "53300"})


def sqlstate(exc: BaseException) -> str | None:
    """SQLSTATE of a driver error, whichever driver raised it."""
    seen: BaseException | None = exc.orig if isinstance(exc, DBAPIError) else exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str):
            return code
        seen = seen.__cause__
    return None


DRIVER_MODULES = ("asyncpg", "psycopg", "sqlalchemy")


def raised_by_driver(exc: BaseException) -> bool:
    """Whether the error came out of the database driver or SQLAlchemy (a socket error there),
    not out of, say, a file operation in a route."""
    frame = exc.__traceback__
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        if module.split(".", maxsplit=1)[0] in DRIVER_MODULES:
            return True
        frame = frame.tb_next
    return False


def is_connection_loss(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    state = sqlstate(exc)
    if state is not None and state.startswith("08"):
        return True
    return isinstance(exc, (OSError, asyncio.TimeoutError)) and raised_by_driver(exc)


def is_retryable(exc: BaseException) -> bool:
    return sqlstate(exc) in RETRYABLE_SQLSTATES or is_connection_loss(exc)


def is_unavailable(exc: BaseException) -> bool:
    return is_retryable(exc) or sqlstate(exc) in UNAVAILABLE_SQLSTATES


def backoff_s(base_delay_s: float, attempt: int) -> float:
    """The pause after failed attempt `attempt` (1-based): doubling from the base delay."""
    return base_delay_s * float(2 ** (attempt - 1))


async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    settings: DatabaseSettings,
    *,
    retry: bool,
) -> T:
    """begin -> tenant settings -> work -> commit, retried with bounded backoff when the work is
    safe to repeat (reads, idempotent or keyed writes); otherwise a transient failure is a 503."""
    attempts = settings.retry_attempts if retry else 1
    for attempt in range(1, attempts + 1):
        try:
            async with transaction(sessions) as session:
                return await work(session)
        except (TimeoutError, DBAPIError, OSError) as exc:
            if not is_unavailable(exc):
                raise
            if attempt == attempts or not is_retryable(exc):
                raise ServiceUnavailable("The database is temporarily unavailable.") from exc
            log.warning("db.retry", attempt=attempt, sqlstate=sqlstate(exc))
            await asyncio.sleep(backoff_s(settings.retry_base_delay_s, attempt))
    raise AssertionError("unreachable")  # pragma: no cover


UNIQUE_VIOLATION = "23505"


async def flush_unique(session: AsyncSession, duplicate: FieldError) -> None:
    """Flushes; a unique index violation is the client's 409 naming `duplicate`'s field."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        raise Conflict(duplicate.message, [duplicate]) from exc
