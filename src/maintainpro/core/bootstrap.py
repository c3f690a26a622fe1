"""`maintainpro db bootstrap`: cluster roles, the database and its extensions (D1).

Runs as a superuser and is idempotent. Migrations never create roles or extensions, so that
"downgrade to base" leaves a clean database and the application never needs superuser rights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, create_engine
from sqlalchemy.pool import NullPool

from maintainpro.config import DatabaseSettings
from maintainpro.core.database import Role, password_for

EXTENSIONS = ("pg_trgm", "btree_gist", "btree_gin", "cube", "earthdistance", "pg_stat_statements")
OPTIONAL_EXTENSIONS = ("postgis",)

ROLE_ATTRIBUTES: dict[Role, str] = {
    Role.OWNER: "NOLOGIN NOBYPASSRLS",
    Role.DEFINER: "NOLOGIN BYPASSRLS",
    Role.MIGRATOR: "LOGIN NOBYPASSRLS",
    Role.APP: "LOGIN NOBYPASSRLS",
    Role.MAINT: "LOGIN BYPASSRLS",
}
# member -> roles it is granted
MEMBERSHIPS: dict[Role, tuple[Role, ...]] = {
    Role.MIGRATOR: (Role.OWNER,),
    Role.MAINT: (Role.OWNER,),
    Role.OWNER: (Role.DEFINER,),
}

Report = Callable[[str], None]
BOOTSTRAP_LOCK = 0x6D61_696E_7400  # arbitrary, fixed: "maint"


def _quote(conn: Connection, value: str) -> str:
    raw = conn.connection.driver_connection
    return sql.Literal(value).as_string(raw)


def ensure_roles(conn: Connection, settings: DatabaseSettings) -> None:
    for role, attributes in ROLE_ATTRIBUTES.items():
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": str(role)})
        verb = "ALTER" if exists else "CREATE"
        secret = password_for(settings, role)
        password = f" PASSWORD {_quote(conn, secret.get_secret_value())}" if secret else ""
        conn.execute(text(f"{verb} ROLE {role} {attributes}{password}"))
    for member, granted in MEMBERSHIPS.items():
        for role in granted:
            conn.execute(text(f"GRANT {role} TO {member}"))
    # Bulk loaders and restores (D1) write rows consistent by construction and may skip the
    # per-row triggers, as pg_restore does; no other role may.
    conn.execute(text(f"GRANT SET ON PARAMETER session_replication_role TO {Role.MAINT}"))


def ensure_database(conn: Connection, name: str) -> bool:
    exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name})
    if not exists:
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {Role.OWNER}'))
    return not exists


def prepare_database(conn: Connection, name: str) -> list[str]:
    """Extensions and schema privileges inside one database; returns the extensions present."""
    available = set(conn.scalars(text("SELECT name FROM pg_available_extensions")))
    wanted = [*EXTENSIONS, *(e for e in OPTIONAL_EXTENSIONS if e in available)]
    for extension in wanted:
        conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {extension} CASCADE"))
    logins = ", ".join(str(r) for r in (Role.MIGRATOR, Role.APP, Role.MAINT))
    conn.execute(text(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO {logins}'))
    conn.execute(text(f'REVOKE CONNECT, TEMPORARY ON DATABASE "{name}" FROM PUBLIC'))
    conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {Role.OWNER}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {Role.APP}, {Role.DEFINER}"))
    return wanted


def bootstrap(admin: URL, settings: DatabaseSettings, database: str, report: Report) -> None:
    with _autocommit(admin) as conn:
        # Roles are cluster-wide: concurrent bootstraps (test workers, replicas) take turns.
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": BOOTSTRAP_LOCK})
        ensure_roles(conn, settings)
        created = ensure_database(conn, database)
        report(f"database {database}: {'created' if created else 'present'}")
        with _autocommit(admin.set(database=database)) as db_conn:
            extensions = prepare_database(db_conn, database)
        report(f"extensions: {', '.join(extensions)}")
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": BOOTSTRAP_LOCK})


@contextmanager
def _autocommit(url: URL) -> Iterator[Connection]:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
