"""Test database: one per test worker, built by running the migrations; each test runs in a
transaction that is rolled back (sessions join it through savepoints)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import create_engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool
from uuid_utils.compat import uuid7

from maintainpro.app import create_app
from maintainpro.config import AuthSettings, Settings, get_settings
from maintainpro.core import context
from maintainpro.core.bootstrap import bootstrap
from maintainpro.core.database import Role, ServerTarget, admin_url, resolve_server
from maintainpro.core.db import Database, TenantSession, create_database, transaction
from maintainpro.core.migrate import Migrator
from maintainpro.models import Organization
from maintainpro.models.user import ROLES
from maintainpro.organization import service as organization_service
from tests.factories.identity import Tenant, make_tenant

REQUIRED = frozenset(filter(None, os.environ.get("MAINTAINPRO_TEST_REQUIRE", "").split(",")))


def require(component: str, reason: str) -> None:
    """Skip when an optional component is missing, unless this run declared it required."""
    if component in REQUIRED:
        pytest.fail(f"required component {component!r} is missing: {reason}")
    pytest.skip(f"{component} not available: {reason}")


def drop_database(server: ServerTarget, settings: Settings, name: str) -> None:
    engine = create_engine(
        admin_url(server, settings.database), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def recreate_database(server: ServerTarget, settings: Settings, name: str) -> ServerTarget:
    drop_database(server, settings, name)
    bootstrap(admin_url(server, settings.database), settings.database, name, lambda _: None)
    return server.with_database(name)


def settings_for(base: Settings, target: ServerTarget) -> Settings:
    url = target.url.render_as_string(hide_password=False)
    return base.model_copy(update={"database": base.database.model_copy(update={"url": url})})


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    settings = Settings()
    # The race tests queue a few hundred requests on one pool; on a machine busy with other
    # work they may wait longer than the production default for a connection.
    database = settings.database.model_copy(update={"pool_timeout_s": 60.0})
    settings = settings.model_copy(update={"database": database})
    if settings.auth.secret_key is None:
        auth = settings.auth.model_copy(update={"secret_key": SecretStr(secrets.token_urlsafe(32))})
        settings = settings.model_copy(update={"auth": auth})
    return settings


@pytest.fixture(scope="session")
def server(base_settings: Settings) -> ServerTarget:
    return resolve_server(base_settings.database)


@pytest.fixture(scope="session")
def worker_name(worker_id: str) -> str:
    """Unique per test process, so concurrent runs on one server never share a database."""
    return f"{worker_id}_{os.getpid()}"


@pytest.fixture(scope="session")
def target(
    server: ServerTarget, base_settings: Settings, worker_name: str
) -> Iterator[ServerTarget]:
    name = f"maintainpro_test_{worker_name}"
    migrated = recreate_database(server, base_settings, name)
    migrator = Migrator(migrated, base_settings.database)
    migrator.upgrade("head")
    migrator.dispose()
    yield migrated
    drop_database(server, base_settings, name)


@pytest.fixture(scope="session")
def settings(base_settings: Settings, target: ServerTarget) -> Settings:
    return settings_for(base_settings, target)


@pytest.fixture(scope="session")
async def database(target: ServerTarget, settings: Settings) -> AsyncIterator[Database]:
    db = create_database(target, settings.database)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def maint_database(target: ServerTarget, settings: Settings) -> AsyncIterator[Database]:
    db = create_database(target, settings.database, role=Role.MAINT)
    yield db
    await db.dispose()


@pytest.fixture
async def conn(database: Database) -> AsyncIterator[AsyncConnection]:
    async with database.engine.connect() as connection:
        outer = await connection.begin()
        try:
            yield connection
        finally:
            await outer.rollback()


def joined_sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        sync_session_class=TenantSession,
        expire_on_commit=False,
    )


@pytest.fixture
def sessions(conn: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return joined_sessions(conn)


@pytest.fixture
def test_database(database: Database, sessions: async_sessionmaker[AsyncSession]) -> Database:
    """The app's Database with sessions joined to the test transaction."""
    return Database(database.engine, sessions)


@pytest.fixture(scope="session")
def shared_app(settings: Settings) -> FastAPI:
    """Built once per test process (building it is most of a short test's cost); `client`
    points it at each test's own database. Tests that change settings build their own."""
    return create_app(settings)


@pytest.fixture
async def client(shared_app: FastAPI, test_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    shared_app.state.db = test_database
    transport = httpx.ASGITransport(app=shared_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[pytest.MonkeyPatch]:
    """Environment pointing the CLI at the test database."""
    monkeypatch.setenv("MAINTAINPRO_DATABASE__URL", settings.database.url or "")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


TenantFactory = Callable[[], Awaitable[UUID]]


@pytest.fixture
async def committed_tenant(
    database: Database, maint_database: Database
) -> AsyncIterator[TenantFactory]:
    """Organizations created with real commits (for tests across connections), purged after."""
    created: list[UUID] = []

    async def make() -> UUID:
        org_id = uuid7()
        with context.scoped(organization_id=org_id):
            async with transaction(database.sessions) as session:
                session.add(Organization(id=org_id, name="Committed", slug=f"c-{org_id.hex[-12:]}"))
        created.append(org_id)
        return org_id

    yield make
    async with transaction(maint_database.sessions) as session:
        for org_id in created:
            await session.execute(
                text("DELETE FROM procrastinate_jobs WHERE args->>'organization_id' = :o"),
                {"o": str(org_id)},
            )
            await organization_service.purge(session, org_id)


@dataclass
class Committed:
    """Real commits over the app's own pool: every request of `client` runs on a connection of
    its own, so row locks, constraints and retries meet real concurrency."""

    client: httpx.AsyncClient
    database: Database
    make_tenant: Callable[..., Awaitable[Tenant]]


@pytest.fixture(scope="session")
def committed_app(settings: Settings, database: Database) -> FastAPI:
    """The app over the real pool, built once per test process (see `shared_app`)."""
    return create_app(settings, database=database)


@pytest.fixture
async def committed(
    settings: Settings, database: Database, maint_database: Database, committed_app: FastAPI
) -> AsyncIterator[Committed]:
    """A client and tenant factory over committed data, for race tests; the tenants are purged
    afterwards."""
    created: list[UUID] = []

    async def make(label: str = "race", roles: tuple[str, ...] = ROLES) -> Tenant:
        tenant = await make_tenant(database.sessions, settings.auth, label=label, roles=roles)
        created.append(tenant.organization_id)
        return tenant

    transport = httpx.ASGITransport(app=committed_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Committed(http, database, make)
    async with transaction(maint_database.sessions) as session:
        for org_id in created:
            await session.execute(
                text("DELETE FROM procrastinate_jobs WHERE args->>'organization_id' = :o"),
                {"o": str(org_id)},
            )
            await organization_service.purge(session, org_id)


@pytest.fixture(scope="session")
def auth_settings(settings: Settings) -> AuthSettings:
    return settings.auth


@pytest.fixture
async def acme(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Tenant:
    """Organization A: sites NORTH (with an area) and SOUTH, one user per role; site-bound
    roles work in NORTH."""
    return await make_tenant(sessions, settings.auth, label="acme")


@pytest.fixture
async def globex(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Tenant:
    """Organization B, for cross-tenant checks: the same shape, admin and technician only."""
    return await make_tenant(sessions, settings.auth, label="globex", roles=("admin", "technician"))
