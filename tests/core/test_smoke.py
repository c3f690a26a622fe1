from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories.organization import make_location, make_organization


@pytest.mark.smoke
async def test_ready_and_tenant_write(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    org = await make_organization(sessions)
    location = await make_location(sessions, org.id)
    assert location.version == 1
    assert location.created_at is not None
