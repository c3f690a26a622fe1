"""Idempotent demo data: an organization with a realistic site tree.

Runs as the maintenance role (an operator command, D1): it must find the demo tenant by slug
before any tenant is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core import context
from maintainpro.models import Location, Organization
from maintainpro.organization import service as organization_service

DEMO_SLUG = "acme"


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str
    parent: str | None = None


SITE_TREE = (
    Place("NORTH", "North Plant", "site"),
    Place("N-B1", "Building 1 - Production", "building", "NORTH"),
    Place("N-B1-A1", "Line 1 - Filling", "area", "N-B1"),
    Place("N-B1-A2", "Line 2 - Packaging", "area", "N-B1"),
    Place("N-B2", "Building 2 - Utilities", "building", "NORTH"),
    Place("N-B2-A1", "Boiler room", "area", "N-B2"),
    Place("N-B2-A2", "Compressor room", "area", "N-B2"),
    Place("N-STORE", "North main storeroom", "storeroom", "NORTH"),
    Place("SOUTH", "South Warehouse", "site"),
    Place("S-B1", "Distribution centre", "building", "SOUTH"),
    Place("S-B1-A1", "Loading docks", "area", "S-B1"),
    Place("S-STORE", "South storeroom", "storeroom", "SOUTH"),
)

Progress = Callable[[str], None]


async def find_demo(session: AsyncSession) -> Organization | None:
    return await session.scalar(
        select(Organization).where(
            Organization.slug == DEMO_SLUG, Organization.deleted_at.is_(None)
        )
    )


async def reset(session: AsyncSession) -> bool:
    """Removes the demo organization and everything it owns (tenant purge cascades)."""
    organization = await find_demo(session)
    if organization is None:
        return False
    return await organization_service.purge(session, organization.id)


async def seed(session: AsyncSession, progress: Progress) -> UUID:
    organization = await find_demo(session)
    if organization is None:
        organization = Organization(
            name="Acme Manufacturing", slug=DEMO_SLUG, timezone="Europe/Berlin"
        )
        session.add(organization)
        await session.flush()
    with context.scoped(organization_id=organization.id):
        await _seed_locations(session, organization.id, progress)
    return organization.id


async def _seed_locations(session: AsyncSession, organization_id: UUID, progress: Progress) -> None:
    existing = {
        loc.code: loc
        for loc in await session.scalars(
            select(Location).where(
                Location.organization_id == organization_id, Location.deleted_at.is_(None)
            )
        )
    }
    for place in SITE_TREE:
        if place.code not in existing:
            parent = existing[place.parent] if place.parent else None
            location = Location(
                organization_id=organization_id,
                code=place.code,
                name=place.name,
                kind=place.kind,
                parent_id=parent.id if parent else None,
            )
            session.add(location)
            await session.flush()
            existing[place.code] = location
        progress(place.code)
