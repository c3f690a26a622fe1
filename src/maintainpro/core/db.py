"""Engine, sessions and the transaction-local tenant settings (DECISIONS D2, D8, D10, D13)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, create_engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction

from maintainpro.config import DatabaseSettings
from maintainpro.core import context
from maintainpro.core.database import Role, ServerTarget, role_url

_SET_CONTEXT = text(
    "SELECT set_config('app.organization_id', :org, true),"
    " set_config('app.user_id', :user, true),"
    " set_config('app.request_id', :request, true),"
    " set_config('app.client_ip', :ip, true),"
    " set_config('statement_timeout', :timeout, true)"
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
    }


# The settings the current transaction carries (set by its first statement), so that a later
# `apply_context` with the same values costs nothing.
_APPLIED = "maintainpro.applied_context"
# The transaction's connection and its asyncpg connection (core/prepared.py), until it ends.
DRIVER = "maintainpro.driver_connection"


@event.listens_for(TenantSession, "after_begin")
def _set_transaction_context(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    params = _context_params(session)
    connection.execute(_SET_CONTEXT, params)
    session.info[_APPLIED] = params


@event.listens_for(TenantSession, "after_transaction_end")
def _forget_transaction_context(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_APPLIED, None)
        session.info.pop(DRIVER, None)


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
