"""The app's own lifespan: it opens its database, prepares partitions, and starts even when the
database is down (readiness tells the difference)."""

from __future__ import annotations

import socket
from typing import Annotated
from uuid import UUID

import httpx
import pytest
from fastapi import APIRouter, Header
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import Database
from maintainpro.core.deps import DbSession
from maintainpro.core.errors import Conflict
from maintainpro.models import ActivityLog, Location, Organization
from tests.factories.organization import make_location, make_organization, new_site

PROBLEM = "application/problem+json"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _ready(settings: Settings) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.get("/health/ready")


async def test_the_app_opens_its_own_database(settings: Settings) -> None:
    assert (await _ready(settings)).status_code == 200


async def test_the_app_starts_while_the_database_is_down(settings: Settings) -> None:
    down = settings.model_copy(
        update={
            "database": settings.database.model_copy(
                update={
                    "url": f"postgresql://127.0.0.1:{_closed_port()}/x",
                    "connect_timeout_s": 1.0,
                }
            )
        }
    )
    response = await _ready(down)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM


router = APIRouter()
OrgHeader = Annotated[UUID, Header(alias="X-Org")]
OwnerHeader = Annotated[UUID, Header(alias="X-Owner")]


# The tenant comes from a header here; the transaction begins at the first statement, so a
# context bound before it is what the session sets (as the principal dependency will do).
@router.post("/probe/organizations/{slug}")
async def add_organization(slug: str, session: DbSession, x_org: OrgHeader) -> None:
    with context.scoped(organization_id=x_org):
        session.add(Organization(id=x_org, name="Dup", slug=slug))
        await session.flush()


@router.patch("/probe/locations/{location_id}")
async def rename_after_someone_else(
    location_id: UUID, session: DbSession, x_org: OrgHeader
) -> None:
    with context.scoped(organization_id=x_org):
        row = await session.get_one(Location, location_id)
        await session.execute(
            update(Location.__table__).where(Location.id == row.id).values(version=row.version + 1)
        )
        row.name = "mine"
        await session.flush()


@router.post("/probe/locations")
async def add_location_for(session: DbSession, x_org: OrgHeader, x_owner: OwnerHeader) -> None:
    with context.scoped(organization_id=x_org):
        session.add(new_site(x_owner, "X"))
        await session.flush()


@router.put("/probe/locations/{code}")
async def write_then_refuse(code: str, session: DbSession, x_org: OrgHeader) -> None:
    with context.scoped(organization_id=x_org):
        session.add(new_site(x_org, code))
        await session.flush()
        raise Conflict("refused after the write")


@router.get("/probe/timeout")
async def slow(session: DbSession) -> None:
    await session.execute(text("SET LOCAL statement_timeout = 1"))
    await session.execute(text("SELECT pg_sleep(0.5)"))


@pytest.fixture
async def probe(settings: Settings, test_database: Database) -> httpx.AsyncClient:
    app = create_app(settings, database=test_database)
    app.include_router(router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_unique_violations_are_conflicts(
    probe: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    existing = await make_organization(sessions)
    other = await make_organization(sessions)
    response = await probe.post(
        f"/probe/organizations/{existing.slug}", headers={"X-Org": str(other.id)}
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert "already exists" in response.json()["detail"]


async def test_stale_versions_are_precondition_failures(
    probe: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    org = await make_organization(sessions)
    location = await make_location(sessions, org.id, code="STALE")
    response = await probe.patch(f"/probe/locations/{location.id}", headers={"X-Org": str(org.id)})
    assert response.status_code == 412
    assert response.json()["code"] == "stale_version"


async def test_writes_outside_the_tenant_are_refused_not_crashes(
    probe: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    mine = await make_organization(sessions)
    theirs = await make_organization(sessions)
    response = await probe.post(
        "/probe/locations", headers={"X-Org": str(mine.id), "X-Owner": str(theirs.id)}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "The operation is not permitted."
    assert str(theirs.id) not in response.text


async def test_a_failed_request_leaves_neither_data_nor_audit(
    probe: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    org = await make_organization(sessions)
    response = await probe.put("/probe/locations/HALF", headers={"X-Org": str(org.id)})
    assert response.status_code == 409
    with context.scoped(organization_id=org.id):
        async with sessions() as session:
            locations = await session.scalar(select(func.count()).select_from(Location))
            trail = await session.scalar(
                select(func.count()).where(ActivityLog.entity_type == "locations")
            )
    assert (locations, trail) == (0, 0)


async def test_statement_timeouts_are_unavailable(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/probe/timeout")
    assert response.status_code == 503
    assert response.headers["retry-after"]
