"""Engine, sessions and the transaction-local tenant settings (DECISIONS D2, D8, D10, D13)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from asyncpg.transaction import TransactionState  # type: ignore[import-untyped]
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, create_engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util.concurrency import await_

from maintainpro.config import DatabaseSettings
from maintainpro.core import context
from maintainpro.core.database import Role, ServerTarget, role_url

_SET_CONTEXT = text(
    "SELECT set_config('app.organization_id', :org, true),"
    " set_config('app.user_id', :user, true),"
    " set_config('app.request_id', :request, true),"
    " set_config('app.client_ip', :ip, true),"
    " set_config('statement_timeout', :timeout, true),"
    " set_config('plan_cache_mode', :plans, true)"
)


class TenantSession(Session):
    """Sync core of every AsyncSession: each transaction carries the current context."""


def _context_params(session: Session) -> dict[str, str]:
    ctx = context.current()
    return {
        "org": str(ctx.organization_id or ""),
        "user": str(ctx.user_id or ""),
        "request": ctx.request_id or "",
        "ip": ctx.client_ip or "",
        "timeout": str(session.info.get("statement_timeout_ms", 0)),
        "plans": session.info.get(PLANS, "auto"),
    }


# The settings the current transaction carries (set by its first statement), so that a later
# `apply_context` with the same values costs nothing.
_APPLIED = "maintainpro.applied_context"
# The transaction's connection and its asyncpg connection (core/prepared.py), until it ends.
DRIVER = "maintainpro.driver_connection"
# A principal check (auth/principal.py: its SQL and its trace) for the transaction's first
# round trip to carry after the settings; CHECKED holds it once it ran there and passed.
PRINCIPAL_CHECK = "maintainpro.principal_check"
PRINCIPAL_CHECKED = "maintainpro.principal_checked"


# How the session's transactions plan their prepared statements (`plan_cache_mode`, sent with
# the tenant settings): PostgreSQL's choice unless a handler chose (`plan_mode`).
PLANS = "maintainpro.plan_cache_mode"
PlanMode = Literal["auto", "force_generic_plan", "force_custom_plan"]


# BEGIN and the settings in one simple-protocol round trip (no statement is prepared, so
# PgBouncer's transaction mode takes it as well, D8). The values are inlined: they are only
# sent this way when every one is in an alphabet that needs no quoting (the ids are UUIDs and
# hex strings formatted here, a request id is checked against the same alphabet by the
# middleware, an address is digits, hex, dots and colons); anything else takes the bound
# statement above.
_BEGIN_WITH_CONTEXT = (
    "BEGIN; SELECT set_config('app.organization_id', '{org}', true),"
    " set_config('app.user_id', '{user}', true),"
    " set_config('app.request_id', '{request}', true),"
    " set_config('app.client_ip', '{ip}', true),"
    " set_config('statement_timeout', '{timeout}', true),"
    " set_config('plan_cache_mode', '{plans}', true)"
)
_LITERAL = re.compile(r"^[A-Za-z0-9._:-]{0,128}$")
# The SQL trace (log.sql) shows this statement without its values, like every other (D13).
_SQL_LOG = logging.getLogger("sqlalchemy.engine.Engine")
# (the plan cache mode is shown: it says how the transaction's statements were planned)
_BEGIN_TRACE = _BEGIN_WITH_CONTEXT.format(
    org="?", user="?", request="?", ip="?", timeout="?", plans="{plans}"
)


async def _begin(driver: Any, sql: str) -> Any:
    """BEGIN + settings on the asyncpg connection, recorded as the top-level transaction that
    asyncpg's `Transaction.start()` would have recorded, so that its commit and rollback (which
    the SQLAlchemy adapter calls) work unchanged."""
    started = driver.transaction()
    try:
        await driver.execute(sql)
    except Exception:
        # BEGIN may have run and a setting failed: leave no transaction behind for the
        # ordinary way to trip over. (A cancellation propagates as it is; the pool discards
        # a connection given back mid-statement.)
        if not driver.is_closed() and driver.is_in_transaction():
            await driver.execute("ROLLBACK")
        raise
    started._state = TransactionState.STARTED
    driver._top_xact = started
    return started


def _begin_with_context(
    connection: Connection, params: dict[str, str], check: tuple[str, str] | None
) -> bool:
    """Starts the driver's transaction with the settings (and a principal check) in one round
    trip; False when this connection or these values need the ordinary way (a BEGIN, then the
    bound statement), or when the check failed (its transaction is rolled back)."""
    adapter: Any = connection.connection.dbapi_connection
    if (
        getattr(adapter, "_transaction", True) is not None
        or adapter.isolation_level is not None
        or adapter.readonly
        or adapter.deferrable
        or not all(_LITERAL.match(value) for value in params.values())
    ):
        return False
    sql = _BEGIN_WITH_CONTEXT.format(**params)
    if check is not None:
        sql = f"{sql}; {check[0]}"
    if _SQL_LOG.isEnabledFor(logging.INFO):
        trace = _BEGIN_TRACE.format(plans=params["plans"])
        _SQL_LOG.info(
            "%s", trace if check is None else f"{trace}; {check[1]}", extra={"prepared": True}
        )
    try:
        adapter._transaction = await_(_begin(adapter._connection, sql))
    except Exception:
        return False  # the ordinary way reports (and, for a lost connection, invalidates)
    return True


@event.listens_for(TenantSession, "after_begin")
def _set_transaction_context(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    params = _context_params(session)
    check = session.info.pop(PRINCIPAL_CHECK, None)
    if _begin_with_context(connection, params, check):
        if check is not None:
            session.info[PRINCIPAL_CHECKED] = check  # which check passed, not only that one did
    else:
        connection.execute(_SET_CONTEXT, params)
    session.info[_APPLIED] = params


@event.listens_for(TenantSession, "after_transaction_end")
def _forget_transaction_context(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in (_APPLIED, DRIVER, PRINCIPAL_CHECKED):
            session.info.pop(key, None)


async def apply_context(session: AsyncSession) -> None:
    """Makes the transaction carry the current context. Before its first statement this is
    free (the transaction's first statement sets the context it finds then); afterwards the
    settings are sent again only when they changed (login learns its tenant only after a
    pre-tenant lookup)."""
    applied = session.sync_session.info.get(_APPLIED)
    if applied is None:
        return
    params = _context_params(session.sync_session)
    if params != applied:
        await session.execute(_SET_CONTEXT, params)
        session.sync_session.info[_APPLIED] = params


async def plan_mode(session: AsyncSession, mode: PlanMode) -> None:
    """How the session's transactions plan their prepared statements from now on.

    `force_generic_plan` for statements whose best plan is the same for every tenant, whatever
    its size (a read by primary key, a page in index order with no filter): PostgreSQL costs a
    generic plan with the average tenant's rows, and once the largest tenant made the per-call
    plan look cheaper it planned every call (1.3-1.9 ms a page over nine `work_orders`
    partitions at 10 million rows, more than running it). `force_custom_plan` for statements
    whose best plan depends on the tenant and the values (a search, a range over a parameter):
    a generic plan costed with the average tenant walked the largest one's rows (an overdue
    page read 27,445 buffers instead of 682 at 100,000). Free before the transaction's first
    statement (the settings carry it) and when nothing changes; one round trip otherwise."""
    info = session.sync_session.info
    if mode == "auto":
        info.pop(PLANS, None)
    else:
        info[PLANS] = mode
    await apply_context(session)


@dataclass(frozen=True, slots=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def dispose(self) -> None:
        await self.engine.dispose()


def _connect_args(settings: DatabaseSettings) -> dict[str, object]:
    args: dict[str, object] = {
        "timeout": settings.connect_timeout_s,
        "server_settings": {"application_name": "maintainpro"},
    }
    if settings.pgbouncer:
        args["statement_cache_size"] = 0
        args["server_settings"] = {}
    return args


def create_database(
    target: ServerTarget, settings: DatabaseSettings, *, role: Role = Role.APP
) -> Database:
    url = role_url(target, settings, role)
    if settings.pgbouncer:
        url = url.update_query_dict({"prepared_statement_cache_size": "0"})
    engine = create_async_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout_s,
        # No ping per checkout (three round trips): connections are recycled, and one lost
        # anyway fails its statement, is invalidated by the pool, and the request is retried
        # on a fresh connection when it may be repeated (core/retry.py), a 503 otherwise.
        pool_recycle=settings.pool_recycle_s,
        connect_args=_connect_args(settings),
        hide_parameters=True,  # SQL tracing (log.sql) never prints values (D13)
    )
    sessions = async_sessionmaker(
        engine,
        sync_session_class=TenantSession,
        expire_on_commit=False,
        info={"statement_timeout_ms": settings.statement_timeout_ms},
    )
    return Database(engine, sessions)


def create_sync_engine(target: ServerTarget, settings: DatabaseSettings, role: Role) -> Engine:
    """psycopg engine for migrations and operator commands (no pooling needed)."""
    return create_engine(
        role_url(target, settings, role, driver="psycopg"),
        pool_pre_ping=True,
        connect_args={"connect_timeout": int(settings.connect_timeout_s)},
    )


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction under the current context; commits on success, rolls back on error."""
    async with sessions() as session, session.begin():
        yield session
