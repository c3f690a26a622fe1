"""One JSON line per event with the request context; no secret ever reaches a line (D13)."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core.db import Database
from maintainpro.core.deps import DbSession
from maintainpro.core.logging import get_logger

NEEDLE = "needle-parameter-value-7f3a"
TOKEN = "mp_refresh_secret-token-value-91c2"

router = APIRouter()


@router.get("/probe/sql")
async def run_sql(session: DbSession) -> dict[str, int]:
    value = await session.scalar(text("SELECT length(:needle)"), {"needle": NEEDLE})
    get_logger("probe").info("probe.done", token=TOKEN, password=NEEDLE)
    return {"length": int(value or 0)}


async def test_verbose_logs_are_json_with_context_and_without_secrets(
    settings: Settings, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    verbose = settings.model_copy(update={"log": settings.log.model_copy(update={"sql": True})})
    app = create_app(verbose, database=database)
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get(
            "/probe/sql", headers={"X-Request-ID": "req-log-1", "Authorization": f"Bearer {TOKEN}"}
        )
    assert response.json() == {"length": len(NEEDLE)}
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    ours = [line for line in lines if line.get("request_id") == "req-log-1"]
    events = {line["event"] for line in ours}
    assert "http.request" in events
    assert "probe.done" in events
    assert any("SELECT length" in str(line["event"]) for line in ours), "SQL is traced"
    for line in ours:
        assert {"timestamp", "level", "request_id", "organization_id", "user_id"} <= line.keys()
    secrets = [NEEDLE, TOKEN]
    for configured in (settings.database.app_password, settings.database.admin_url):
        if configured is not None:
            secrets.append(configured.get_secret_value())
    for secret in secrets:
        assert secret not in output
