"""Hot-path statements run on the session's own asyncpg connection, in its transaction.

A `Prepared` is a Core statement compiled once (asyncpg's `$n` placeholders) and executed with
asyncpg's `fetch`/`fetchrow` on the connection the session's transaction holds: the same
transaction, the same tenant settings (its first statement, `core/db.py`, has set them), no
ORM or Core result processing. asyncpg prepares it once per connection through its statement
cache; with `database.pgbouncer` that cache is off (size 0) and asyncpg sends it unnamed
every time, which PgBouncer's transaction mode accepts.

Errors come out as SQLAlchemy would raise them (`DBAPIError` carrying the SQLSTATE), so the
problem handlers, the transient-retry path and the pool's invalidation of a lost connection
treat them alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from maintainpro.core.db import DRIVER

# Compiling needs no driver: the dialect alone gives asyncpg's `$n` placeholders.
# The SQL trace (`log.sql`, core/logging.py) shows these statements like SQLAlchemy's own,
# without their values (D13); the record is marked `prepared`.
SQL_LOG = logging.getLogger("sqlalchemy.engine.Engine")
DIALECT = cast(Callable[[], Dialect], asyncpg_dialect)()


class Record(Protocol):
    """An asyncpg record: columns by name."""

    def __getitem__(self, key: str) -> object: ...

    def keys(self) -> Sequence[str]: ...

    def __iter__(self) -> Iterator[object]: ...  # the values, in column order


class _Driver(Protocol):
    async def fetch(self, query: str, *args: object) -> list[Record]: ...

    async def fetchrow(self, query: str, *args: object) -> Record | None: ...


@dataclass(frozen=True, slots=True)
class Prepared:
    sql: str
    names: tuple[str, ...]

    def args(self, params: Mapping[str, object]) -> tuple[object, ...]:
        return tuple(params[name] for name in self.names)


def prepare(statement: ClauseElement) -> Prepared:
    """Compiles a Core statement once; its bind parameters are all named, none has a value."""
    compiled = cast(SQLCompiler, statement.compile(dialect=DIALECT))
    return Prepared(str(compiled), tuple(compiled.positiontup or ()))


async def _connections(session: AsyncSession) -> tuple[AsyncConnection, _Driver]:
    info = session.sync_session.info
    known = info.get(DRIVER)
    if known is not None:
        return cast(tuple[AsyncConnection, _Driver], known)
    connection = await session.connection()  # begins the transaction: the settings first
    # The pooled connection is checked out and connected by now, so reading it does no IO
    # (the awaitable `get_raw_connection` would cost a trip into SQLAlchemy's greenlet).
    raw = connection.sync_connection.connection if connection.sync_connection else None
    if raw is None:
        raw = await connection.get_raw_connection()
    pair = (connection, cast(_Driver, raw.driver_connection))
    info[DRIVER] = pair
    return pair


async def begin(session: AsyncSession) -> None:
    """Begins the session's transaction on its own: the round trip that carries the settings."""
    await _connections(session)


async def _failed(connection: AsyncConnection, prepared: Prepared, exc: Exception) -> Exception:
    """The driver's error as SQLAlchemy raises it; a lost connection is invalidated."""
    raw = await connection.get_raw_connection()
    dialect = connection.dialect
    try:
        # The dialect's own translation (asyncpg error -> DBAPI error with its SQLSTATE).
        raw.dbapi_connection._handle_exception(exc)  # type: ignore[union-attr]  # adapter API
    except dialect.loaded_dbapi.Error as translated:
        lost = dialect.is_disconnect(translated, raw.dbapi_connection, None)
        if lost:
            await connection.invalidate(exc)
        return DBAPIError.instance(
            prepared.sql,
            None,
            translated,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=dialect,
        )
    except Exception as other:  # a socket error stays what it is (core/transient.py)
        return other
    return exc


def _trace(prepared: Prepared) -> None:
    if SQL_LOG.isEnabledFor(logging.INFO):
        SQL_LOG.info("%s", prepared.sql, extra={"prepared": True})


async def fetchrow(
    session: AsyncSession, prepared: Prepared, params: Mapping[str, object]
) -> Record | None:
    connection, driver = await _connections(session)
    _trace(prepared)
    try:
        return await driver.fetchrow(prepared.sql, *prepared.args(params))
    except Exception as exc:
        raise await _failed(connection, prepared, exc) from exc


async def fetch(
    session: AsyncSession, prepared: Prepared, params: Mapping[str, object]
) -> list[Record]:
    connection, driver = await _connections(session)
    _trace(prepared)
    try:
        return await driver.fetch(prepared.sql, *prepared.args(params))
    except Exception as exc:
        raise await _failed(connection, prepared, exc) from exc


_CUSTOM_PLANS = prepare(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"))


async def plan_each_call(session: AsyncSession) -> None:
    """Until the transaction ends, every statement is planned with its parameters' values.

    For statements whose best plan depends on the tenant's size (a ranked search joined back to
    its rows): a generic plan costs every tenant as the average one, and once PostgreSQL
    switched a prepared statement to it, a tenant holding half the rows got a hash join over
    all of them (250 ms instead of 12 at 500,000 work orders)."""
    await fetch(session, _CUSTOM_PLANS, {})
