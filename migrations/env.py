"""Alembic environment: runs as the migrator, creating objects as the owner role (D1, D9)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.schema import SchemaItem

from maintainpro.config import get_settings
from maintainpro.core.database import Role, resolve_server
from maintainpro.core.db import create_sync_engine
from maintainpro.models import Base

IGNORED_TABLE_PREFIXES = ("procrastinate_",)
IGNORED_TABLES = {"spatial_ref_sys", "alembic_version"}


def _partitions(connection: Connection) -> set[str]:
    rows = connection.execute(
        text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid")
    )
    return {row[0] for row in rows}


def _include_object_factory(partitions: set[str]):  # type: ignore[no-untyped-def]  # alembic hook signature
    def include_object(
        obj: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        name = name or ""
        if type_ == "table":
            return not (
                name in partitions
                or name in IGNORED_TABLES
                or name.startswith(IGNORED_TABLE_PREFIXES)
            )
        if type_ == "index" and "_geo_" in name:
            return False
        # A foreign key to a partitioned table is cloned by PostgreSQL onto every partition
        # (work_orders' self-reference too): the copies are not part of the model.
        if type_ == "foreign_key_constraint" and reflected:
            referred = getattr(obj, "referred_table", None)
            if getattr(referred, "name", "") in partitions:
                return False
        table = getattr(obj, "table", None)
        table_name = getattr(table, "name", "")
        return not (table_name in partitions or table_name.startswith(IGNORED_TABLE_PREFIXES))

    return include_object


def _run(connection: Connection) -> None:
    connection.execute(text(f"SET ROLE {Role.OWNER}"))
    connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=_include_object_factory(_partitions(connection)),
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    settings = get_settings().database
    engine = create_sync_engine(resolve_server(settings), settings, Role.MIGRATOR)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run against a database")
run_migrations_online()
