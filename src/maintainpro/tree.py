"""Walks over the adjacency-list hierarchies (locations, assets): one recursive query each,
every step filtered by tenant and served by the `(organization_id, parent_id)` index."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.models import Asset, Location

Node = TypeVar("Node", Asset, Location)


async def subtree(
    session: AsyncSession, model: type[Node], organization_id: UUID, root_id: UUID
) -> list[tuple[Node, int]]:
    """The root and every live descendant with its depth, shallowest first."""
    tree = (
        select(model.id, literal(0).label("depth"))
        .where(model.organization_id == organization_id, model.id == root_id)
        .cte("tree", recursive=True)
    )
    child = (
        select(model.id, (tree.c.depth + 1).label("depth"))
        .join(tree, (model.parent_id == tree.c.id) & (model.organization_id == organization_id))
        .where(model.deleted_at.is_(None))
    )
    tree = tree.union_all(child)
    rows = await session.execute(
        select(model, tree.c.depth)
        .join(tree, model.id == tree.c.id)
        .where(model.organization_id == organization_id)
        .order_by(tree.c.depth, model.code)
    )
    return [(row[0], int(row[1])) for row in rows]


async def ancestors(
    session: AsyncSession, model: type[Node], organization_id: UUID, node_id: UUID
) -> list[Node]:
    """From the root down to the node's parent (a breadcrumb)."""
    chain = (
        select(model.parent_id.label("id"), literal(1).label("hops"))
        .where(model.organization_id == organization_id, model.id == node_id)
        .cte("chain", recursive=True)
    )
    step = select(model.parent_id, chain.c.hops + 1).join(
        chain, (model.id == chain.c.id) & (model.organization_id == organization_id)
    )
    chain = chain.union_all(step)
    rows = await session.scalars(
        select(model)
        .join(chain, model.id == chain.c.id)
        .where(model.organization_id == organization_id)
        .order_by(chain.c.hops.desc())
    )
    return list(rows)
