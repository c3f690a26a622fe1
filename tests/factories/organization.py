from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from maintainpro.core import context
from maintainpro.models import Location, Organization


async def make_organization(
    sessions: async_sessionmaker[AsyncSession], *, name: str = "Org", user_id: UUID | None = None
) -> Organization:
    """Creates an organization the way signup does: the tenant is set to the new id first."""
    org_id = uuid7()
    with context.scoped(organization_id=org_id, user_id=user_id):
        async with sessions() as session, session.begin():
            organization = Organization(id=org_id, name=name, slug=f"org-{org_id.hex[-12:]}")
            session.add(organization)
    return organization


async def make_location(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: UUID,
    *,
    code: str = "SITE",
    kind: str = "site",
    parent_id: UUID | None = None,
    site_id: UUID | None = None,
) -> Location:
    with context.scoped(organization_id=organization_id):
        async with sessions() as session, session.begin():
            location_id = uuid7()
            if site_id is None:
                parent = await session.get(Location, parent_id) if parent_id else None
                site_id = parent.site_id if parent else location_id
            location = Location(
                id=location_id,
                organization_id=organization_id,
                code=code,
                name=f"Location {code}",
                kind=kind,
                parent_id=parent_id,
                site_id=site_id,
            )
            session.add(location)
    return location


def new_site(organization_id: UUID, code: str) -> Location:
    """An unsaved site (a root location, its own site)."""
    location_id = uuid7()
    return Location(
        id=location_id,
        organization_id=organization_id,
        code=code,
        name=f"Site {code}",
        kind="site",
        site_id=location_id,
    )


def new_area(site: Location, code: str) -> Location:
    """An unsaved area inside `site`."""
    return Location(
        id=uuid7(),
        organization_id=site.organization_id,
        code=code,
        name=f"Location {code}",
        kind="area",
        parent_id=site.id,
        site_id=site.id,
    )
