"""Asset queries: always tenant-scoped; tree walks are single recursive queries; search and
geo go through the definer functions of revision 0008, which apply the site scope before their
row cap (D3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    TableValuedAlias,
    Uuid,
    any_,
    bindparam,
    cast,
    column,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from maintainpro import tree
from maintainpro.asset.schemas import AssetRead
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core import prepared
from maintainpro.models import Asset, Location

# What a response needs: every column but the search vector.
READ_COLUMNS = tuple(getattr(Asset, name) for name in AssetRead.model_fields)


def _one_visible(key: ColumnElement[bool]) -> tuple[prepared.Prepared, prepared.Prepared]:
    """Built once: the response's columns of the live asset of the organization that `key`
    names, and the same narrowed to the caller's sites for a site-bound scope (RLS applies as
    well)."""
    statement = select(*READ_COLUMNS).where(
        Asset.organization_id == bindparam("org"), key, Asset.deleted_at.is_(None)
    )
    in_sites = statement.where(Asset.site_id == any_(bindparam("sites", type_=ARRAY(Uuid()))))
    return prepared.prepare(statement), prepared.prepare(in_sites)


# GET by id; and scan to act: the asset of a (live, unique) label code.
_BY_ID = _one_visible(Asset.id == bindparam("id"))
_BY_LABEL = _one_visible(Asset.label_code == bindparam("label_code"))


# The same for the ORM entity (services that change the asset), built once as well; the
# search vector (the longest column, computed by the database, never in a response) stays
# unloaded.
_ENTITY_BY_ID = (
    select(Asset)
    .options(defer(Asset.search_vector))
    .where(
        Asset.organization_id == bindparam("org"),
        Asset.id == bindparam("id"),
        Asset.deleted_at.is_(None),
    )
)
_ENTITY_BY_ID_IN_SITES = _ENTITY_BY_ID.where(
    Asset.site_id == any_(bindparam("sites", type_=ARRAY(Uuid())))
)


def sites(auth: Authorized) -> frozenset[UUID] | None:
    """The sites the caller is bound to, or None when the scope is the whole organization."""
    return None if auth.scope is Scope.ALL else auth.principal.site_ids


async def _visible_row(
    session: AsyncSession,
    auth: Authorized,
    statements: tuple[prepared.Prepared, prepared.Prepared],
    params: dict[str, object],
) -> prepared.Record | None:
    """Runs the plain statement for the whole organization, the in-sites one for a site scope."""
    scope = sites(auth)
    plain, in_sites = statements
    if scope is None:
        return await prepared.fetchrow(session, plain, params)
    return await prepared.fetchrow(session, in_sites, {**params, "sites": list(scope)})


async def read_by_id(
    session: AsyncSession, auth: Authorized, asset_id: UUID
) -> prepared.Record | None:
    """The response columns of one visible asset, or None."""
    params: dict[str, object] = {"org": auth.principal.organization_id, "id": asset_id}
    return await _visible_row(session, auth, _BY_ID, params)


async def read_by_label(
    session: AsyncSession, auth: Authorized, label_code: str
) -> prepared.Record | None:
    """The response columns of the visible asset that carries this label code, or None."""
    params: dict[str, object] = {"org": auth.principal.organization_id, "label_code": label_code}
    return await _visible_row(session, auth, _BY_LABEL, params)


async def entity_by_id(session: AsyncSession, auth: Authorized, asset_id: UUID) -> Asset | None:
    """One visible asset as an ORM object, or None."""
    scope = sites(auth)
    params: dict[str, object] = {"org": auth.principal.organization_id, "id": asset_id}
    if scope is None:
        return await session.scalar(_ENTITY_BY_ID, params)
    params["sites"] = list(scope)
    return await session.scalar(_ENTITY_BY_ID_IN_SITES, params)


def visible_columns(site_bound: bool) -> Select[Any]:
    """The response columns of the organization's live assets, with bind parameters `org` and,
    when `site_bound`, `sites` (an array): for statements built once."""
    statement = select(*READ_COLUMNS).where(
        Asset.organization_id == bindparam("org"), Asset.deleted_at.is_(None)
    )
    if site_bound:
        statement = statement.where(Asset.site_id == any_(bindparam("sites", type_=ARRAY(Uuid()))))
    return statement


def visible(auth: Authorized) -> Select[Asset]:
    principal = auth.principal
    query = select(Asset).where(
        Asset.organization_id == principal.organization_id, Asset.deleted_at.is_(None)
    )
    scope = sites(auth)
    if scope is not None:
        query = query.where(Asset.site_id.in_(scope))
    return query


async def subtree(session: AsyncSession, auth: Authorized, root: Asset) -> list[tuple[Asset, int]]:
    return await tree.subtree(session, Asset, root.organization_id, root.id, site_ids=sites(auth))


async def ancestors(session: AsyncSession, auth: Authorized, node: Asset) -> list[Asset]:
    return await tree.ancestors(session, Asset, node.organization_id, node.id, site_ids=sites(auth))


def location_subtree_ids(organization_id: UUID, location_id: UUID) -> Select[tuple[UUID]]:
    """Ids of a location and everything below it, for "assets in this area" filters."""
    return tree.subtree_ids(Location, organization_id, location_id)


def _site_ids(auth: Authorized) -> ColumnElement[Sequence[UUID]]:
    """The caller's site ids for a definer function; NULL for the whole organization."""
    scope = sites(auth)
    value = None if scope is None else sorted(scope)
    return cast(bindparam("site_ids", value, type_=ARRAY(Uuid())), ARRAY(Uuid()))


# (id, rank) of the caller's matches ranked after a cursor position, as bind parameters:
# `query`, `site_ids` (NULL for the whole organization), `after_rank`/`after_id` (NULL for the
# first page); one expression for statements built once and per request alike.
SEARCH_MATCHES = (
    func.app.search_assets(
        bindparam("query", type_=String),
        cast(bindparam("site_ids", type_=ARRAY(Uuid())), ARRAY(Uuid())),
        bindparam("after_rank", type_=Float),
        bindparam("after_id", type_=Uuid),
    )
    .table_valued(column("id", Uuid), column("rank", Float))
    .alias("matches")
)


def search_params(
    auth: Authorized, query: str, after: tuple[float, UUID] | None
) -> dict[str, object]:
    """The values of `SEARCH_MATCHES` for the caller, the term and the cursor position."""
    rank, last_id = after if after else (None, None)
    scope = sites(auth)
    return {
        "query": query,
        "site_ids": None if scope is None else sorted(scope),
        "after_rank": rank,
        "after_id": last_id,
    }


def nearby_matches(
    auth: Authorized, lat: float, lng: float, radius_m: float, limit: int
) -> TableValuedAlias:
    """(id, distance_m) of the caller's nearest assets within the radius."""
    return (
        func.app.nearby_assets(
            bindparam("lat", lat, type_=Float),
            bindparam("lng", lng, type_=Float),
            bindparam("radius_m", radius_m, type_=Float),
            bindparam("max_rows", limit),
            _site_ids(auth),
        )
        .table_valued(column("id", Uuid), column("distance_m", Float))
        .alias("near")
    )


async def live_children(session: AsyncSession, organization_id: UUID, asset_id: UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Asset.organization_id == organization_id,
            Asset.parent_id == asset_id,
            Asset.deleted_at.is_(None),
        )
    )
    return int(count or 0)


# Work that is not done yet (C3): each work order once, however many of the assets it names.
OPEN_WORK_STATUSES = ("new", "assigned", "in_progress", "on_hold")
_OPEN_WORK = text("""
SELECT w.priority, count(*) AS n
FROM work_orders w
WHERE w.organization_id = :org AND w.deleted_at IS NULL
  AND w.status = ANY(CAST(:open AS text[]))
  AND w.id IN (SELECT wa.work_order_id FROM work_order_assets wa
               WHERE wa.organization_id = :org AND wa.asset_id = ANY(CAST(:assets AS uuid[])))
GROUP BY w.priority
""")


async def open_work_by_priority(
    session: AsyncSession, organization_id: UUID, asset_ids: Sequence[UUID]
) -> dict[str, int]:
    """Open work orders on any of the assets, by priority, in one query."""
    rows = await session.execute(
        _OPEN_WORK,
        {"org": organization_id, "open": list(OPEN_WORK_STATUSES), "assets": list(asset_ids)},
    )
    return {str(row.priority): int(row.n) for row in rows}
