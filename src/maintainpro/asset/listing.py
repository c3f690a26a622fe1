"""Asset lists: filters, a whitelisted sort with keyset cursors, and ranked full-text search."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from maintainpro.asset import repository
from maintainpro.asset.schemas import AssetFilter, AssetNearby, AssetRead, NearbyQuery
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.core.pagination import Page, decode_cursor, encode_cursor
from maintainpro.models import Asset

# Sort keys clients may use, each backed by an (organization_id, key, id) index.
SORT_COLUMNS: dict[str, InstrumentedAttribute[str] | InstrumentedAttribute[UUID]] = {
    "name": Asset.name,
    "code": Asset.code,
    "createdAt": Asset.id,  # UUIDv7: creation order
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


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "Malformed cursor.", [FieldError("cursor", "Malformed cursor.", "invalid")]
    )


def page_statement(auth: Authorized, query: AssetFilter) -> Select[Asset]:
    """The statement one page of a (non-search) list runs: filters, keyset and sort."""
    descending = query.sort.startswith("-")
    key = SORT_COLUMNS[query.sort.lstrip("-")]
    statement = _filtered(auth, query)
    if query.cursor:
        last_key, last_id = decode_cursor(query.cursor, parts=2)
        try:
            position = (UUID(last_key) if key is Asset.id else last_key, UUID(last_id))
        except ValueError as exc:
            raise _bad_cursor() from exc
        pair = tuple_(key, Asset.id)
        statement = statement.where(pair < position if descending else pair > position)
    order = (key.desc(), Asset.id.desc()) if descending else (key.asc(), Asset.id.asc())
    return statement.order_by(*order).limit(query.limit + 1)


async def list_assets(
    session: AsyncSession, auth: Authorized, query: AssetFilter
) -> Page[AssetRead]:
    if query.q:
        return await _search(session, auth, query)
    key = SORT_COLUMNS[query.sort.lstrip("-")]
    rows = list(await session.scalars(page_statement(auth, query)))
    page = rows[: query.limit]
    last = page[-1] if len(rows) > query.limit else None
    return Page(
        items=[AssetRead.model_validate(row) for row in page],
        next_cursor=encode_cursor(getattr(last, key.key), last.id) if last else None,
    )


def _search_position(cursor: str) -> tuple[float, UUID]:
    rank, last_id = decode_cursor(cursor, parts=2)
    try:
        return float(rank), UUID(last_id)
    except ValueError as exc:
        raise _bad_cursor() from exc


def search_statement(auth: Authorized, query: AssetFilter) -> Select[tuple[object, ...]]:
    """One query: the caller's matches ranked, filtered and keyset-paged in the database."""
    assert query.q is not None
    after = _search_position(query.cursor) if query.cursor else None
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
    page = rows[: query.limit]
    last = page[-1] if len(rows) > query.limit else None
    return Page(
        items=[AssetRead.model_validate(row) for row in page],
        next_cursor=encode_cursor(repr(last.rank), last.id) if last else None,
    )


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
