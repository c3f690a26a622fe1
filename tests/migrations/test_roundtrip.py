"""Migration verification: upgrade from empty, no model drift, downgrade to base leaves nothing,
upgrade again, seed on the fresh database."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from maintainpro.cli import app
from maintainpro.config import Settings, get_settings
from maintainpro.core.database import Role, ServerTarget
from maintainpro.core.db import create_sync_engine
from maintainpro.core.migrate import Migrator, alembic_config, head_revision
from maintainpro.demo import seed as demo
from tests.conftest import drop_database, recreate_database, settings_for

OUR_OBJECTS = text(
    """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    UNION ALL SELECT nspname FROM pg_namespace WHERE nspname IN ('app', 'numbering')
    UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate%'
    """
)


@pytest.mark.migrations
def test_upgrade_check_downgrade_upgrade_seed(
    server: ServerTarget,
    base_settings: Settings,
    worker_name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = recreate_database(server, base_settings, f"maintainpro_test_{worker_name}_migrations")
    migrator = Migrator(fresh, base_settings.database)
    owner_engine = create_sync_engine(fresh, base_settings.database, Role.MIGRATOR)
    try:
        migrator.upgrade("head")
        assert migrator.current() == head_revision()
        migrator.check()
        migrator.downgrade("base")
        assert migrator.current() is None
        with owner_engine.connect() as conn:
            leftovers = [
                name for name in conn.execute(OUR_OBJECTS).scalars() if name != "alembic_version"
            ]
        assert leftovers == []
        migrator.upgrade("head")
        migrator.check()
        monkeypatch.setenv(
            "MAINTAINPRO_DATABASE__URL", settings_for(base_settings, fresh).database.url or ""
        )
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["seed"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        maint = create_sync_engine(fresh, base_settings.database, Role.MAINT)
        with maint.connect() as conn:
            places = conn.scalar(
                text(
                    "SELECT count(*) FROM locations l"
                    " JOIN organizations o ON o.id = l.organization_id WHERE o.slug = :s"
                ),
                {"s": demo.DEMO_SLUG},
            )
        maint.dispose()
        assert places == len(demo.SITE_TREE)
    finally:
        get_settings.cache_clear()
        migrator.dispose()
        owner_engine.dispose()
        drop_database(server, base_settings, fresh.database)


@pytest.mark.migrations
def test_every_revision_downgrades_one_step_at_a_time(
    server: ServerTarget, base_settings: Settings, worker_name: str
) -> None:
    fresh = recreate_database(server, base_settings, f"maintainpro_test_{worker_name}_steps")
    migrator = Migrator(fresh, base_settings.database)
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    try:
        migrator.upgrade("head")
        for revision in revisions:
            assert migrator.current() == revision.revision
            migrator.downgrade("-1")
            assert migrator.current() == revision.down_revision
        migrator.upgrade("head")
        assert migrator.current() == head_revision()
    finally:
        migrator.dispose()
        drop_database(server, base_settings, fresh.database)


@pytest.mark.migrations
def test_undoing_shared_files_keeps_one_row_per_file(
    server: ServerTarget, base_settings: Settings, worker_name: str
) -> None:
    """0015 lets rows share a stored file; its downgrade keeps the oldest row of each file
    (audited like any delete) so the unique index of 0014 can return."""
    fresh = recreate_database(server, base_settings, f"maintainpro_test_{worker_name}_shared")
    migrator = Migrator(fresh, base_settings.database)
    maint = create_sync_engine(fresh, base_settings.database, Role.MAINT)
    shared = text(
        "INSERT INTO attachments (id, organization_id, parent_type, parent_id, file_name,"
        " content_type, size_bytes, sha256, storage_key)"
        " SELECT app.uuidv7(), o.id, 'work_order', app.uuidv7(), 'f.png', 'image/png', 1,"
        " '\\x00', o.id || '/shared' FROM organizations o, generate_series(1, 2)"
    )
    try:
        migrator.upgrade("head")
        with maint.begin() as conn:
            conn.execute(
                text("INSERT INTO organizations (id, name, slug) VALUES (app.uuidv7(), 'O', 'o')")
            )
            conn.execute(shared)
        migrator.downgrade("0014")
        with maint.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM attachments")) == 1
            deleted = "SELECT count(*) FROM activity_logs WHERE entity_type = 'attachments'"
            assert conn.scalar(text(f"{deleted} AND action = 'delete'")) == 1
            forced = "SELECT relforcerowsecurity FROM pg_class WHERE relname = :t"
            for table in ("attachments", "activity_logs"):
                assert conn.scalar(text(forced), {"t": table}) is True
        migrator.upgrade("head")
    finally:
        migrator.dispose()
        maint.dispose()
        drop_database(server, base_settings, fresh.database)


@pytest.mark.migrations
def test_numbering_moves_between_counter_rows_and_sequences(
    server: ServerTarget, base_settings: Settings, worker_name: str
) -> None:
    """0016 starts each organization's sequence after its counter's last number; its downgrade
    writes the last number taken back into the counter row."""
    fresh = recreate_database(server, base_settings, f"maintainpro_test_{worker_name}_numbers")
    migrator = Migrator(fresh, base_settings.database)
    maint = create_sync_engine(fresh, base_settings.database, Role.MAINT)
    tenant = text("SELECT set_config('app.organization_id', id::text, true) FROM organizations")
    take = text("SELECT last_number FROM app.take_numbers('work_order', 2)")
    try:
        migrator.upgrade("0015")
        with maint.begin() as conn:
            conn.execute(
                text("INSERT INTO organizations (id, name, slug) VALUES (app.uuidv7(), 'O', 'o')")
            )
            conn.execute(
                text("INSERT INTO number_counters SELECT id, 'work_order', 41 FROM organizations")
            )
        migrator.upgrade("0016")
        with maint.begin() as conn:
            conn.execute(tenant)
            assert conn.scalar(take) == 43  # 42 and 43
        migrator.downgrade("0015")
        with maint.connect() as conn:
            assert conn.scalar(text("SELECT last_value FROM number_counters")) == 43
            assert conn.scalar(text("SELECT to_regnamespace('numbering')")) is None
        migrator.upgrade("head")
    finally:
        migrator.dispose()
        maint.dispose()
        drop_database(server, base_settings, fresh.database)
