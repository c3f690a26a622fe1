"""The committed-data fixture really crosses connections: what one request commits, a request on
another connection reads, and concurrent requests hold distinct server backends."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from maintainpro.core import context
from maintainpro.core.db import transaction
from tests.conftest import Committed


async def test_requests_commit_and_run_on_separate_connections(committed: Committed) -> None:
    tenant = await committed.make_tenant()
    headers = tenant.headers("admin")
    created = await committed.client.post(
        "/api/v1/locations", headers=headers, json={"code": "C1", "name": "c", "kind": "site"}
    )
    assert created.status_code == 201, created.text
    with context.scoped(organization_id=tenant.organization_id):
        async with transaction(committed.database.sessions) as session:
            seen = await session.scalar(
                text("SELECT count(*) FROM locations WHERE code = 'C1' AND organization_id = :o"),
                {"o": tenant.organization_id},
            )
    assert seen == 1

    async def backend_pid() -> int:
        async with transaction(committed.database.sessions) as session:
            pid = await session.scalar(text("SELECT pg_backend_pid() FROM pg_sleep(0.2)"))
            assert isinstance(pid, int)
            return pid

    pids = await asyncio.gather(backend_pid(), backend_pid())
    assert pids[0] != pids[1]
