from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.core.bootstrap import EXTENSIONS
from tests.conftest import require


async def test_bootstrap_installed_the_extensions(conn: AsyncConnection) -> None:
    installed = set((await conn.execute(text("SELECT extname FROM pg_extension"))).scalars())
    assert set(EXTENSIONS) <= installed


async def test_postgis_is_installed_where_the_server_has_it(conn: AsyncConnection) -> None:
    available = await conn.scalar(
        text("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
    )
    if not available:
        require("postgis", "the server has no PostGIS package")
    installed = await conn.scalar(
        text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")
    )
    assert installed == 1
