"""Webhook tests: an installation that allows targets on this machine (the receivers listen
on 127.0.0.1), three attempts per delivery, and four failures in a row disable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from maintainpro.app import create_app
from maintainpro.config import Settings, WebhookSettings
from maintainpro.core.db import Database


@pytest.fixture
def local_settings(settings: Settings) -> Settings:
    """Targets on this machine allowed (the receiver is on 127.0.0.1), two failures disable."""
    hooks = WebhookSettings(
        allow_private_targets=True, timeout_s=5, max_attempts=3, disable_after=4
    )
    return settings.model_copy(update={"webhooks": hooks})


@pytest.fixture
async def local(
    local_settings: Settings, test_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(local_settings, database=test_database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
