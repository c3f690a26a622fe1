"""Transient database failures in the request path (D10): reads and idempotent routes are retried
a bounded number of times, anything else answers 503 + Retry-After at once; an OS error that is
not the database is an internal error, not "database unavailable"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core.db import Database
from maintainpro.core.deps import DbSession
from maintainpro.core.retry import IDEMPOTENT, RETRYABLE_HEADER
from tests.factories.faults import Flaky


def flaky_app(settings: Settings, database: Database, flaky: Flaky) -> FastAPI:
    app = create_app(settings, database=database)

    @app.get("/test/flaky")
    async def read(session: DbSession) -> dict[str, int]:
        return {"answer": await flaky(session)}

    @app.post("/test/flaky")
    async def write(session: DbSession) -> dict[str, int]:
        return {"answer": await flaky(session)}

    @app.post("/test/flaky-idempotent", openapi_extra=IDEMPOTENT)
    async def idempotent_write(request: Request, session: DbSession) -> dict[str, object]:
        body = await request.json()
        return {"answer": await flaky(session), "echo": body}

    @app.get("/test/file")
    def file_error() -> None:
        Path("/nonexistent/maintainpro/file").read_text()

    return app


@pytest.fixture
def flaky() -> Flaky:
    return Flaky()


@pytest.fixture
async def http(
    settings: Settings, test_database: Database, flaky: Flaky
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(
        app=flaky_app(settings, test_database, flaky), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _retries(caplog: pytest.LogCaptureFixture) -> int:
    return sum("db.retry" in str(record.msg) for record in caplog.records)


@pytest.mark.parametrize("code", ["40001", "40P01"])
async def test_a_read_is_retried_and_answers(
    http: httpx.AsyncClient, flaky: Flaky, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    flaky.code, flaky.failures = code, 1
    response = await http.get("/test/flaky")
    assert response.status_code == 200, response.text
    assert response.json() == {"answer": 42}
    assert RETRYABLE_HEADER not in response.headers
    assert flaky.calls == 2
    assert _retries(caplog) == 1


async def test_a_write_is_not_retried(
    http: httpx.AsyncClient, flaky: Flaky, settings: Settings
) -> None:
    flaky.failures = 1
    response = await http.post("/test/flaky")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == str(settings.http.retry_after_s)
    assert RETRYABLE_HEADER not in response.headers
    assert flaky.calls == 1


async def test_an_idempotent_write_is_retried_with_its_body(
    http: httpx.AsyncClient, flaky: Flaky
) -> None:
    flaky.code, flaky.failures = "40P01", 2
    response = await http.post("/test/flaky-idempotent", json={"readings": [1, 2, 3]})
    assert response.status_code == 200, response.text
    assert response.json() == {"answer": 42, "echo": {"readings": [1, 2, 3]}}
    assert flaky.calls == 3


async def test_retries_are_bounded(
    http: httpx.AsyncClient, flaky: Flaky, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    flaky.failures = 99
    response = await http.get("/test/flaky")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "retry-after" in response.headers
    assert RETRYABLE_HEADER not in response.headers
    assert flaky.calls == settings.database.retry_attempts
    assert _retries(caplog) == settings.database.retry_attempts - 1


async def test_a_caller_error_is_not_retried(http: httpx.AsyncClient, flaky: Flaky) -> None:
    flaky.code, flaky.failures = "23505", 1
    response = await http.get("/test/flaky")
    assert response.status_code == 409
    assert flaky.calls == 1


async def test_the_bulk_ingestion_is_declared_idempotent(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    assert document["paths"]["/api/v1/meter-readings/bulk"]["post"]["x-idempotent"] is True


async def test_a_file_error_is_not_the_database(http: httpx.AsyncClient) -> None:
    response = await http.get("/test/file")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "database" not in response.text
