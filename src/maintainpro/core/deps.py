"""Request-scoped dependencies shared by every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.config import Settings
from maintainpro.core.db import Database


# Coroutines, not plain functions: FastAPI runs a sync dependency in the thread pool, a hop
# per request on the hot path.
async def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (D10: the
    function scope makes a failed commit an error response, never a 200).

    What `db.transaction` does, with two trips into SQLAlchemy's greenlet fewer: the session
    begins on its first statement (no explicit begin), and after a successful commit it holds
    no connection and no transaction, so it is left to the collector instead of being closed.
    Anything else (an error in the route, a failed commit) closes it, which rolls back and
    returns the connection."""
    database: Database = request.app.state.db
    session = database.sessions()
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.close()
        raise


DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
AppDatabase = Annotated[Database, Depends(get_database)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
