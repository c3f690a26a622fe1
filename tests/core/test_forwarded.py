"""Whose X-Forwarded-For is believed (`http.forwarded_allow_ips`): the client address that login
throttling and the audit trail record."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.app import create_app
from maintainpro.config import HttpSettings, Settings
from maintainpro.core.db import Database
from tests.factories.identity import Tenant

Peer = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def peer(settings: Settings, test_database: Database) -> Peer:
    @asynccontextmanager
    async def connect(
        address: str, *, trusted: tuple[str, ...] = ("127.0.0.1",)
    ) -> AsyncIterator[httpx.AsyncClient]:
        http = settings.http.model_copy(update={"forwarded_allow_ips": list(trusted)})
        app = create_app(settings.model_copy(update={"http": http}), database=test_database)
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c

    return connect


async def _audited_ip(
    client: httpx.AsyncClient, conn: AsyncConnection, tenant: Tenant, forwarded: str | None
) -> str | None:
    headers = tenant.headers("admin")
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    response = await client.post("/api/v1/assets", headers=headers, json={"code": "F", "name": "F"})
    assert response.status_code == 201, response.text
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"),
        {"org": str(tenant.organization_id)},
    )
    ip = await conn.scalar(
        text("SELECT host(client_ip) FROM activity_logs WHERE entity_id = :id"),
        {"id": response.json()["id"]},
    )
    await client.delete(f"/api/v1/assets/{response.json()['id']}", headers=tenant.headers("admin"))
    return str(ip) if ip is not None else None


async def test_a_trusted_proxy_names_the_client(
    peer: Peer, conn: AsyncConnection, acme: Tenant
) -> None:
    async with peer("127.0.0.1") as client:
        assert await _audited_ip(client, conn, acme, "203.0.113.9") == "203.0.113.9"
        # A client may prepend anything; the right-most untrusted hop is what the proxy saw.
        spoofed = "198.51.100.1, 203.0.113.9"
        assert await _audited_ip(client, conn, acme, spoofed) == "203.0.113.9"
        assert await _audited_ip(client, conn, acme, None) == "127.0.0.1"


async def test_a_chain_of_trusted_proxies_is_walked_from_the_right(
    peer: Peer, conn: AsyncConnection, acme: Tenant
) -> None:
    async with peer("10.0.0.5", trusted=("10.0.0.0/8",)) as client:
        chain = "198.51.100.1, 203.0.113.9, 10.0.0.7"
        assert await _audited_ip(client, conn, acme, chain) == "203.0.113.9"


async def test_an_untrusted_peer_cannot_forward(
    peer: Peer, conn: AsyncConnection, acme: Tenant
) -> None:
    async with peer("192.0.2.44") as client:
        assert await _audited_ip(client, conn, acme, "203.0.113.9") == "192.0.2.44"


def test_the_setting_takes_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAINTAINPRO_HTTP__FORWARDED_ALLOW_IPS", "10.0.0.0/8, 192.0.2.1")
    assert Settings().http.forwarded_allow_ips == ["10.0.0.0/8", "192.0.2.1"]
    assert HttpSettings().forwarded_allow_ips == ["127.0.0.1"]
    with pytest.raises(ValidationError, match="forwarded_allow_ips"):
        HttpSettings(forwarded_allow_ips=["10.0.0.1/8"])
