"""A client whose attachments go to a fresh directory, with a small size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core.db import Database

MAX_BYTES = 64 * 1024


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    return tmp_path / "attachments"


@pytest.fixture
async def client(
    settings: Settings, test_database: Database, storage_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    limits = settings.attachments.model_copy(
        update={"directory": storage_dir, "max_bytes": MAX_BYTES}
    )
    app = create_app(settings.model_copy(update={"attachments": limits}), database=test_database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
