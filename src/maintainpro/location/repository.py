"""Location queries: always tenant-scoped; tree walks are single recursive queries."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.deps import Authorized
from maintainpro.auth.permissions import Scope
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
    """The root and every live descendant with its depth, in one recursive query."""
    tree = (
        select(Location.id, literal(0).label("depth"))
        .where(Location.organization_id == organization_id, Location.id == root_id)
        .cte("tree", recursive=True)
    )
    child = (
        select(Location.id, (tree.c.depth + 1).label("depth"))
        .join(
            tree, (Location.parent_id == tree.c.id) & (Location.organization_id == organization_id)
        )
        .where(Location.deleted_at.is_(None))
    )
    tree = tree.union_all(child)
    rows = await session.execute(
        select(Location, tree.c.depth)
        .join(tree, Location.id == tree.c.id)
        .where(Location.organization_id == organization_id)
        .order_by(tree.c.depth, Location.code)
    )
    return [(row[0], int(row[1])) for row in rows]


async def ancestors(
    session: AsyncSession, organization_id: UUID, location_id: UUID
) -> list[Location]:
    """From the site down to the location's parent (a breadcrumb)."""
    chain = (
        select(Location.parent_id.label("id"), literal(1).label("hops"))
        .where(Location.organization_id == organization_id, Location.id == location_id)
        .cte("chain", recursive=True)
    )
    step = select(Location.parent_id, (chain.c.hops + 1)).join(
        chain, (Location.id == chain.c.id) & (Location.organization_id == organization_id)
    )
    chain = chain.union_all(step)
    rows = await session.scalars(
        select(Location)
        .join(chain, Location.id == chain.c.id)
        .where(Location.organization_id == organization_id)
        .order_by(chain.c.hops.desc())
    )
    return list(rows)


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
