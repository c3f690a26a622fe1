"""The live stream over a real server and committed data: each notification reaches the open
streams of its user only, not another user's, not another tenant's."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import httpx
import orjson
import pytest
import uvicorn

from maintainpro.app import create_app
from maintainpro.auth.principal import Principal
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.database import resolve_server
from maintainpro.core.db import transaction
from maintainpro.notification.routes import _events
from maintainpro.notification.service import Message, notify
from maintainpro.notification.stream import Hub
from maintainpro.worker import job_conninfo
from tests.conftest import Committed
from tests.factories.identity import Tenant

pytestmark = pytest.mark.smoke
WAIT_S = 10.0


@asynccontextmanager
async def _served(settings: Settings, committed: Committed) -> AsyncIterator[str]:
    app = create_app(settings, database=committed.database)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    # Listening before the server starts: a connection made meanwhile waits in the backlog.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await app.state.notification_hub.close()


class Stream:
    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.lines = lines

    async def connected(self) -> None:
        assert await asyncio.wait_for(anext(self.lines), WAIT_S) == ": connected"

    async def next_event(self) -> dict[str, object]:
        async def read() -> dict[str, object]:
            kind = None
            async for line in self.lines:
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: ") and kind == "notification":
                    event: dict[str, object] = orjson.loads(line.removeprefix("data: "))
                    return event
            raise AssertionError("the stream ended")

        return await asyncio.wait_for(read(), WAIT_S)


@asynccontextmanager
async def _stream(http: httpx.AsyncClient, tenant: Tenant, role: str) -> AsyncIterator[Stream]:
    async with http.stream(
        "GET", "/api/v1/notifications/stream", headers=tenant.headers(role)
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response.aiter_lines())
        await stream.connected()
        yield stream


async def _tell(committed: Committed, tenant: Tenant, role: str, title: str) -> None:
    with context.scoped(organization_id=tenant.organization_id):
        async with transaction(committed.database.sessions) as session:
            user = tenant.users[role].id
            await notify(session, tenant.organization_id, [user], Message("mention", title))


async def test_each_notification_reaches_its_user_only(
    committed: Committed, settings: Settings
) -> None:
    acme = await committed.make_tenant(label="sse-a", roles=("technician", "supervisor"))
    globex = await committed.make_tenant(label="sse-b", roles=("technician",))
    async with (
        _served(settings, committed) as url,
        httpx.AsyncClient(base_url=url, timeout=WAIT_S) as http,
        _stream(http, acme, "technician") as technician,
        _stream(http, acme, "supervisor") as supervisor,
        _stream(http, globex, "technician") as other_tenant,
    ):
        await _tell(committed, acme, "technician", "for the acme technician")
        await _tell(committed, globex, "technician", "for the globex technician")
        await _tell(committed, acme, "supervisor", "for the acme supervisor")
        assert (await technician.next_event())["title"] == "for the acme technician"
        assert (await other_tenant.next_event())["title"] == "for the globex technician"
        # The supervisor's first event is their own: the others never reached their stream.
        first = await supervisor.next_event()
        assert (first["title"], first["type"]) == ("for the acme supervisor", "mention")
        assert set(first) == {"id", "type", "title", "entityType", "entityId", "createdAt"}


async def test_a_rolled_back_notification_is_never_streamed(
    committed: Committed, settings: Settings
) -> None:
    tenant = await committed.make_tenant(label="sse-c", roles=("technician",))
    async with (
        _served(settings, committed) as url,
        httpx.AsyncClient(base_url=url, timeout=WAIT_S) as http,
        _stream(http, tenant, "technician") as stream,
    ):

        async def undone() -> None:
            with context.scoped(organization_id=tenant.organization_id):
                async with transaction(committed.database.sessions) as session:
                    user = tenant.users["technician"].id
                    await notify(session, tenant.organization_id, [user], Message("mention", "x"))
                    raise RuntimeError("undone")

        with pytest.raises(RuntimeError, match="undone"):
            await undone()
        await _tell(committed, tenant, "technician", "kept")
        assert (await stream.next_event())["title"] == "kept"


async def test_a_stream_ends_after_a_token_lifetime(settings: Settings) -> None:
    """The client reconnects with a fresh token: a revoked session stops hearing in time."""
    hub = Hub(lambda: job_conninfo(resolve_server(settings.database), settings))
    principal = Principal(
        user_id=uuid4(), organization_id=uuid4(), role="technician", site_ids=frozenset()
    )
    try:
        chunks = [chunk async for chunk in _events(hub, principal, 0.3)]
    finally:
        await hub.close()
    assert chunks == [b": connected\n\n", b": keep-alive\n\n"]
