"""Location queries: always tenant-scoped; tree walks are single recursive queries."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro import tree
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.models import Location


def visible(auth: Authorized) -> Select[Location]:
    principal = auth.principal
    query = select(Location).where(
        Location.organization_id == principal.organization_id, Location.deleted_at.is_(None)
    )
    if auth.scope is not Scope.ALL:
        query = query.where(Location.site_id.in_(principal.site_ids))
    return query


async def subtree(
    session: AsyncSession, organization_id: UUID, root_id: UUID
) -> list[tuple[Location, int]]:
    return await tree.subtree(session, Location, organization_id, root_id)


async def ancestors(session: AsyncSession, organization_id: UUID, node_id: UUID) -> list[Location]:
    return await tree.ancestors(session, Location, organization_id, node_id)


async def move_subtree_to_site(
    session: AsyncSession, organization_id: UUID, ids: list[UUID], site_id: UUID
) -> None:
    await session.execute(
        update(Location)
        .where(Location.organization_id == organization_id, Location.id.in_(ids))
        .values(site_id=site_id)
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
