"""Asset queries: always tenant-scoped; tree walks are single recursive queries; search and
geo go through the definer functions of revision 0004 (D3)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro import tree
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.models import Asset, Location

SEARCH_LIMIT = 1000


def visible(auth: Authorized) -> Select[Asset]:
    principal = auth.principal
    query = select(Asset).where(
        Asset.organization_id == principal.organization_id, Asset.deleted_at.is_(None)
    )
    if auth.scope is not Scope.ALL:
        query = query.where(Asset.site_id.in_(principal.site_ids))
    return query


async def subtree(
    session: AsyncSession, organization_id: UUID, root_id: UUID
) -> list[tuple[Asset, int]]:
    return await tree.subtree(session, Asset, organization_id, root_id)


async def ancestors(session: AsyncSession, organization_id: UUID, node_id: UUID) -> list[Asset]:
    return await tree.ancestors(session, Asset, organization_id, node_id)


def location_subtree_ids(organization_id: UUID, location_id: UUID) -> Select[tuple[UUID]]:
    """Ids of a location and everything below it, for "assets in this area" filters."""
    tree = (
        select(Location.id)
        .where(Location.organization_id == organization_id, Location.id == location_id)
        .cte("places", recursive=True)
    )
    tree = tree.union_all(
        select(Location.id).join(
            tree, (Location.parent_id == tree.c.id) & (Location.organization_id == organization_id)
        )
    )
    return select(tree.c.id)


async def search(session: AsyncSession, query: str) -> list[tuple[UUID, float]]:
    rows = await session.execute(
        text("SELECT id, rank FROM app.search_assets(:query, :limit)"),
        {"query": query, "limit": SEARCH_LIMIT},
    )
    return [(row[0], float(row[1])) for row in rows]


async def nearby(
    session: AsyncSession, lat: float, lng: float, radius_m: float, limit: int
) -> list[tuple[UUID, float]]:
    rows = await session.execute(
        text("SELECT id, distance_m FROM app.nearby_assets(:lat, :lng, :radius, :limit)"),
        {"lat": lat, "lng": lng, "radius": radius_m, "limit": limit},
    )
    return [(row[0], float(row[1])) for row in rows]


async def live_children(session: AsyncSession, organization_id: UUID, asset_id: UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Asset.organization_id == organization_id,
            Asset.parent_id == asset_id,
            Asset.deleted_at.is_(None),
        )
    )
    return int(count or 0)
