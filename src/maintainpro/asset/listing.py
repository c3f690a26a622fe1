"""Asset lists: filters, a whitelisted sort with keyset cursors, and ranked full-text search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.asset import repository
from maintainpro.asset.schemas import AssetFilter, AssetNearby, AssetRead, NearbyQuery
from maintainpro.auth.principal import Authorized
from maintainpro.core.pagination import Keyset, Page, decode_position, split_page
from maintainpro.models import Asset

# Sort keys clients may use, each backed by an (organization_id, key, id) index.
SORTS: dict[str, Keyset[str] | Keyset[UUID]] = {
    "name": Keyset(Asset.name, Asset.id, str),
    "code": Keyset(Asset.code, Asset.id, str),
    "createdAt": Keyset(Asset.id, Asset.id, UUID),  # UUIDv7: creation order
}


def _filtered(auth: Authorized, query: AssetFilter) -> Select[Asset]:
    statement = repository.visible(auth)
    for column, value in (
        (Asset.status, query.status),
        (Asset.criticality, query.criticality),
        (Asset.category, query.category),
        (Asset.parent_id, query.parent_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.location_id is not None:
        places = repository.location_subtree_ids(auth.principal.organization_id, query.location_id)
        statement = statement.where(Asset.location_id.in_(places))
    if query.warranty_expiring_before is not None:
        statement = statement.where(Asset.warranty_expires_on < query.warranty_expiring_before)
    if query.min_lat is not None and query.max_lat is not None:
        statement = statement.where(Asset.latitude.between(query.min_lat, query.max_lat))
    if query.min_lng is not None and query.max_lng is not None:
        statement = statement.where(Asset.longitude.between(query.min_lng, query.max_lng))
    return statement


def _keyset(sort: str) -> Keyset[str] | Keyset[UUID]:
    keyset = SORTS[sort.lstrip("-")]
    return replace(keyset, descending=True) if sort.startswith("-") else keyset


def page_statement(auth: Authorized, query: AssetFilter) -> Select[Any]:
    """The statement one page of a (non-search) list runs: filters, keyset and sort; only the
    response's columns (no ORM objects, no search vector)."""
    statement = _filtered(auth, query).with_only_columns(*repository.READ_COLUMNS)
    return _keyset(query.sort).page(statement, query.cursor, query.limit)


async def list_assets(
    session: AsyncSession, auth: Authorized, query: AssetFilter
) -> Page[AssetRead]:
    if query.q:
        return await _search(session, auth, query)
    rows = (await session.execute(page_statement(auth, query))).all()
    page, next_cursor = _keyset(query.sort).split(rows, query.limit)
    return Page(items=_items(page), next_cursor=next_cursor)


# A page validated in one call from plain dicts: attribute access on result rows, one model at
# a time, was most of a page's cost.
_ITEMS = TypeAdapter(list[AssetRead])


def _items(rows: Sequence[Row[Any]]) -> list[AssetRead]:
    return _ITEMS.validate_python([row._asdict() for row in rows])


def search_statement(auth: Authorized, query: AssetFilter) -> Select[tuple[object, ...]]:
    """One query: the caller's matches ranked, filtered and keyset-paged in the database (the
    definer function applies the cursor: best rank first, then id)."""
    assert query.q is not None
    after = decode_position(query.cursor, float) if query.cursor else None
    matches = repository.search_matches(auth, query.q, after)
    return (
        _filtered(auth, query)
        .with_only_columns(*repository.READ_COLUMNS, matches.c.rank)
        .join(matches, matches.c.id == Asset.id)
        .order_by(matches.c.rank.desc(), matches.c.id)
        .limit(query.limit + 1)
    )


async def _search(session: AsyncSession, auth: Authorized, query: AssetFilter) -> Page[AssetRead]:
    """Best matches first; the cursor is the last row's (rank, id)."""
    rows = (await session.execute(search_statement(auth, query))).all()
    page, next_cursor = split_page(rows, query.limit, lambda row: (repr(row.rank), row.id))
    return Page(items=_items(page), next_cursor=next_cursor)


async def nearby(session: AsyncSession, auth: Authorized, query: NearbyQuery) -> list[AssetNearby]:
    """Nearest first among the assets the caller may see (the scope applies before the cap)."""
    near = repository.nearby_matches(auth, query.lat, query.lng, query.radius_m, query.limit)
    statement = (
        repository.visible(auth)
        .with_only_columns(*repository.READ_COLUMNS, near.c.distance_m)
        .join(near, near.c.id == Asset.id)
        .order_by(near.c.distance_m, near.c.id)
    )
    return [
        AssetNearby.model_validate({**row._mapping, "distance_m": round(row.distance_m, 2)})
        for row in await session.execute(statement)
    ]
