"""The HTTP shell: problem+json everywhere, request ids, headers, limits, health, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import Field

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core.database import ServerTarget
from maintainpro.core.db import Database, create_database
from maintainpro.core.errors import Conflict
from maintainpro.core.schemas import WriteSchema
from tests.conftest import Committed
from tests.proxy import DatabaseProxy

PROBLEM = "application/problem+json"


class ThingCreate(WriteSchema):
    display_name: str = Field(min_length=1, max_length=20)
    quantity: int = Field(ge=0)


probe = APIRouter(prefix="/api/v1/probe")


@probe.post("/things", status_code=201)
async def create_thing(body: ThingCreate) -> dict[str, object]:
    return body.model_dump(by_alias=True)


@probe.get("/conflict")
async def conflict() -> None:
    raise Conflict("That code is taken.")


@probe.get("/crash")
async def crash() -> None:
    raise RuntimeError("internal detail that must not leak")


@pytest.fixture
async def probe_client(
    settings: Settings, test_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.model_copy(
        update={
            "http": settings.http.model_copy(
                update={"max_body_bytes": 2048, "cors_origins": ["https://app.example"]}
            )
        }
    )
    app: FastAPI = create_app(limited, database=test_database)
    app.include_router(probe)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "not_found"
    assert body["requestId"] == "abc-123"
    assert response.headers["x-request-id"] == "abc-123"


async def test_method_not_allowed_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/health/live")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_an_invalid_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32


async def test_security_headers_are_set(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_validation_errors_name_each_field(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post(
        "/api/v1/probe/things", json={"displayName": "", "quantity": -1, "color": "red"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("displayName", "string_too_short"),
        ("quantity", "greater_than_equal"),
        ("color", "extra_forbidden"),
    }


async def test_snake_case_keys_are_rejected_by_name(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post(
        "/api/v1/probe/things", json={"display_name": "Pump", "quantity": 1}
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"display_name", "displayName"}


async def test_camel_case_body_is_accepted(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post(
        "/api/v1/probe/things", json={"displayName": " Pump ", "quantity": 3}
    )
    assert (response.status_code, response.json()) == (201, {"displayName": "Pump", "quantity": 3})


async def test_domain_errors_render_as_problems(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.get("/api/v1/probe/conflict")
    assert response.status_code == 409
    assert response.json()["detail"] == "That code is taken."


async def test_unexpected_errors_hide_internals(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.get("/api/v1/probe/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "internal detail" not in response.text
    assert "Traceback" not in response.text


async def test_declared_oversized_bodies_are_refused(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post(
        "/api/v1/probe/things", content=b"x" * 4096, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_streamed_oversized_bodies_are_refused(probe_client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * 1024

    response = await probe_client.post(
        "/api/v1/probe/things", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_cors_follows_the_setting(probe_client: httpx.AsyncClient) -> None:
    allowed = await probe_client.options(
        "/health/live",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    denied = await probe_client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in denied.headers


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


async def test_metrics_expose_requests_pool_and_queue(client: httpx.AsyncClient) -> None:
    await client.get("/health/live")
    response = await client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'maintainpro_http_requests_total{method="GET",route="/health/live",status="200"}' in text
    assert "maintainpro_http_request_duration_seconds_bucket" in text
    assert 'maintainpro_db_pool_connections{state="checked_out"}' in text


async def test_readiness_follows_the_database(target: ServerTarget, settings: Settings) -> None:
    """The database goes away (red, 503) and comes back (green) without a restart."""
    proxy = DatabaseProxy(target.url)
    await proxy.start()
    proxied = ServerTarget(proxy.url, embedded=False)
    fast = settings.database.model_copy(update={"connect_timeout_s": 2.0})
    database = create_database(proxied, fast)
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.get("/health/ready")).status_code == 200
            await proxy.stop()
            down = await http.get("/health/ready")
            assert down.status_code == 503
            assert down.headers["content-type"] == PROBLEM
            assert down.headers["retry-after"] == str(settings.http.retry_after_s)
            await proxy.start()
            assert (await http.get("/health/ready")).status_code == 200
    finally:
        await database.dispose()


async def test_an_exhausted_pool_is_a_503_not_an_internal_error(
    target: ServerTarget, settings: Settings, committed: Committed
) -> None:
    """Every connection busy past the checkout timeout: the client is told to come back."""
    tenant = await committed.make_tenant(label="busy", roles=("admin",))
    one = settings.database.model_copy(
        update={"pool_size": 1, "max_overflow": 0, "pool_timeout_s": 0.2}
    )
    database = create_database(target, one)
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with (
            database.engine.connect(),  # the pool's only connection, held
            httpx.AsyncClient(transport=transport, base_url="http://t") as http,
        ):
            busy = await http.get("/api/v1/assets", headers=tenant.headers("admin"))
        assert busy.status_code == 503, busy.text
        assert busy.headers["content-type"] == PROBLEM
        assert busy.headers["retry-after"] == str(settings.http.retry_after_s)
        assert busy.json()["detail"] == "The service is busy; retry shortly."
    finally:
        await database.dispose()
