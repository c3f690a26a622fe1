"""Operator commands against the test database (as the CLI's own roles, with real commits)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from maintainpro.cli import app
from maintainpro.config import Settings, get_settings
from maintainpro.core.database import Role, ServerTarget
from maintainpro.core.db import create_sync_engine
from maintainpro.core.migrate import head_revision
from maintainpro.demo import seed as demo

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.usefixtures("env")
def test_migrate_current_and_check() -> None:
    head = head_revision()
    assert invoke("migrate", "current").strip().endswith(head)
    assert "models and schema match" in invoke("migrate", "check")
    assert f"revision {head}" in invoke("migrate", "upgrade")


@pytest.mark.usefixtures("env")
def test_partitions_ensure() -> None:
    assert "activity_logs" in invoke("partitions", "ensure")


@pytest.mark.usefixtures("env")
def test_partitions_archive_keeps_what_is_within_the_retention() -> None:
    """Nothing is a century old: no partition is even considered (tests/core/test_archive.py
    moves real ones)."""
    output = invoke("partitions", "archive", "--older-than-months", "1200")
    assert "partitions archived: 0 of 0" in output


def test_partitions_archive_goes_around_pgbouncer(
    env: pytest.MonkeyPatch, settings: Settings
) -> None:
    """Its session lock and lock timeout must stay on one server connection: behind PgBouncer
    it refuses without the direct URL, and with it connects there."""
    env.setenv("MAINTAINPRO_DATABASE__PGBOUNCER", "true")
    get_settings.cache_clear()
    refused = runner.invoke(app, ["partitions", "archive"], catch_exceptions=False)
    assert refused.exit_code == 2
    assert "set database.direct_url" in refused.output
    env.setenv("MAINTAINPRO_DATABASE__URL", "postgresql://127.0.0.1:9/nowhere")
    env.setenv("MAINTAINPRO_DATABASE__DIRECT_URL", settings.database.url or "")
    get_settings.cache_clear()
    output = invoke("partitions", "archive", "--older-than-months", "1200")
    assert "partitions archived: 0 of 0" in output


@pytest.mark.usefixtures("env")
def test_seed_is_idempotent_and_resettable(target: ServerTarget, settings: Settings) -> None:
    engine = create_sync_engine(target, settings.database, Role.MAINT)

    def demo_counts() -> tuple[int, int]:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT count(DISTINCT o.id), count(l.id) FROM organizations o"
                    " LEFT JOIN locations l ON l.organization_id = o.id WHERE o.slug = :s"
                ),
                {"s": demo.DEMO_SLUG},
            ).one()
            return int(row[0]), int(row[1])

    try:
        invoke("seed")
        invoke("seed")
        assert demo_counts() == (1, len(demo.SITE_TREE))
        invoke("seed", "--reset")
        assert demo_counts() == (1, len(demo.SITE_TREE))
    finally:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT set_config('app.purge_organization', id::text, true)"
                    " FROM organizations WHERE slug = :s"
                ),
                {"s": demo.DEMO_SLUG},
            )
            conn.execute(text("DELETE FROM organizations WHERE slug = :s"), {"s": demo.DEMO_SLUG})
        assert demo_counts() == (0, 0)
        engine.dispose()
