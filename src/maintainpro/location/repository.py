"""Location queries: always tenant-scoped; tree walks are single recursive queries."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro import tree
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.models import Location


def sites(auth: Authorized) -> frozenset[UUID] | None:
    return None if auth.scope is Scope.ALL else auth.principal.site_ids


def visible(auth: Authorized) -> Select[Location]:
    principal = auth.principal
    query = select(Location).where(
        Location.organization_id == principal.organization_id, Location.deleted_at.is_(None)
    )
    scope = sites(auth)
    if scope is not None:
        query = query.where(Location.site_id.in_(scope))
    return query


async def subtree(
    session: AsyncSession, auth: Authorized, root: Location
) -> list[tuple[Location, int]]:
    return await tree.subtree(
        session, Location, root.organization_id, root.id, site_ids=sites(auth)
    )


async def ancestors(session: AsyncSession, auth: Authorized, node: Location) -> list[Location]:
    return await tree.ancestors(
        session, Location, node.organization_id, node.id, site_ids=sites(auth)
    )


async def has_live_children(
    session: AsyncSession, organization_id: UUID, location_id: UUID
) -> bool:
    child = await session.scalar(
        select(Location.id)
        .where(
            Location.organization_id == organization_id,
            Location.parent_id == location_id,
            Location.deleted_at.is_(None),
        )
        .limit(1)
    )
    return child is not None
