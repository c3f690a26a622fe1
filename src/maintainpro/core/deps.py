"""Request-scoped dependencies shared by every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.config import Settings
from maintainpro.core.db import Database, transaction


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
    function scope makes a failed commit an error response, never a 200)."""
    database: Database = request.app.state.db
    async with transaction(database.sessions) as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
AppDatabase = Annotated[Database, Depends(get_database)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
