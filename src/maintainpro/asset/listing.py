"""Asset lists: filters, a whitelisted sort with keyset cursors, and ranked full-text search."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from maintainpro.asset import repository
from maintainpro.asset.schemas import AssetFilter, AssetRead
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


async def _search(session: AsyncSession, auth: Authorized, query: AssetFilter) -> Page[AssetRead]:
    """Best matches first; the cursor is the position in the ranked list."""
    assert query.q is not None
    ranked = await repository.search(session, query.q)
    start = 0
    if query.cursor:
        (offset,) = decode_cursor(query.cursor, parts=1)
        if not offset.isdigit():
            raise _bad_cursor()
        start = int(offset)
    order = {asset_id: position for position, (asset_id, _) in enumerate(ranked)}
    rows = await session.scalars(_filtered(auth, query).where(Asset.id.in_(list(order))))
    matches = sorted(rows, key=lambda asset: order[asset.id])
    page = matches[start : start + query.limit]
    more = start + query.limit < len(matches)
    return Page(
        items=[AssetRead.model_validate(row) for row in page],
        next_cursor=encode_cursor(start + query.limit) if more else None,
    )
