"""Walks over the adjacency-list hierarchies (locations, assets): one recursive query each,
every step filtered by tenant and served by the `(organization_id, parent_id)` index.

Every walk carries the path it took and stops at a node already on it (and at MAX_DEPTH), so a
cycle written past the services (raw SQL) ends the walk instead of running until the statement
timeout. Re-parenting takes the tree's advisory lock (revision 0008) before its cycle check, so
two concurrent moves cannot both pass the check."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar
from uuid import UUID

from sqlalchemy import CTE, Select, Uuid, any_, literal, not_, select, text
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import Asset, Location

Node = TypeVar("Node", Asset, Location)
MAX_DEPTH = 100
LOCKS = {Asset: "app.lock_asset_tree", Location: "app.lock_location_tree"}


def walk(model: type[Node], organization_id: UUID, root_id: UUID, *, live: bool = True) -> CTE:
    """(id, depth, path) of the root and its descendants (live ones only, unless told)."""
    start = array([model.id], type_=Uuid)
    tree = (
        select(model.id, literal(0).label("depth"), start.label("path"))
        .where(model.organization_id == organization_id, model.id == root_id)
        .cte(f"{model.__tablename__}_tree", recursive=True)  # distinct when both walk in one query
    )
    child = (
        select(model.id, tree.c.depth + 1, tree.c.path.concat(model.id))
        .join(tree, (model.parent_id == tree.c.id) & (model.organization_id == organization_id))
        .where(not_(model.id == any_(tree.c.path)), tree.c.depth < MAX_DEPTH)
    )
    if live:
        child = child.where(model.deleted_at.is_(None))
    return tree.union_all(child)


def subtree_ids(model: type[Node], organization_id: UUID, root_id: UUID) -> Select[tuple[UUID]]:
    tree = walk(model, organization_id, root_id)
    return select(tree.c.id)


async def subtree(
    session: AsyncSession,
    model: type[Node],
    organization_id: UUID,
    root_id: UUID,
    *,
    site_ids: Collection[UUID] | None = None,
) -> list[tuple[Node, int]]:
    """The root and every live descendant with its depth, shallowest first; with `site_ids`,
    only the nodes in those sites."""
    tree = walk(model, organization_id, root_id)
    query = (
        select(model, tree.c.depth)
        .join(tree, model.id == tree.c.id)
        .where(model.organization_id == organization_id)
        .order_by(tree.c.depth, model.code)
    )
    if site_ids is not None:
        query = query.where(model.site_id.in_(site_ids))
    rows = await session.execute(query)
    return [(row[0], int(row[1])) for row in rows]


async def contains(
    session: AsyncSession, model: type[Node], organization_id: UUID, root_id: UUID, node_id: UUID
) -> bool:
    """Whether the node lies in the root's subtree, soft-deleted links included (a cycle through
    a deleted node is still a cycle)."""
    tree = walk(model, organization_id, root_id, live=False)
    found = await session.scalar(select(tree.c.id).where(tree.c.id == node_id).limit(1))
    return found is not None


async def ancestors(
    session: AsyncSession,
    model: type[Node],
    organization_id: UUID,
    node_id: UUID,
    *,
    site_ids: Collection[UUID] | None = None,
) -> list[Node]:
    """From the root down to the node's parent (a breadcrumb); with `site_ids`, only the
    ancestors in those sites."""
    chain = (
        select(
            model.parent_id.label("id"),
            literal(1).label("hops"),
            array([model.id], type_=Uuid).label("path"),
        )
        .where(model.organization_id == organization_id, model.id == node_id)
        .cte("chain", recursive=True)
    )
    step = (
        select(
            model.parent_id,
            chain.c.hops + 1,
            chain.c.path.concat(model.id),
        )
        .join(chain, (model.id == chain.c.id) & (model.organization_id == organization_id))
        .where(not_(model.id == any_(chain.c.path)), chain.c.hops < MAX_DEPTH)
    )
    chain = chain.union_all(step)
    query = (
        select(model)
        .join(chain, model.id == chain.c.id)
        .where(model.organization_id == organization_id, model.id != node_id)
        .order_by(chain.c.hops.desc())
    )
    if site_ids is not None:
        query = query.where(model.site_id.in_(site_ids))
    return list(await session.scalars(query))


async def lock(session: AsyncSession, model: type[Node], organization_id: UUID) -> None:
    """Serialise re-parenting in this organization's tree until the transaction ends."""
    await session.execute(text(f"SELECT {LOCKS[model]}(:org, true)"), {"org": organization_id})
