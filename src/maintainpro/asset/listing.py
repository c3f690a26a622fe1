"""Asset lists: filters, a whitelisted sort with keyset cursors, and ranked full-text search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast
from uuid import UUID

from pydantic import TypeAdapter
from sqlalchemy import Integer, Row, Select, Uuid, bindparam, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.asset import repository
from maintainpro.asset.schemas import AssetFilter, AssetNearby, AssetRead, NearbyQuery
from maintainpro.auth.principal import Authorized
from maintainpro.core import prepared
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


# The filters a page statement built once can carry: (name, column, comparison) with the value
# bound as a parameter of that name. A location filter (a subtree walk) takes the general path.
_EQUALS = (
    ("status", Asset.status),
    ("criticality", Asset.criticality),
    ("category", Asset.category),
    ("parent_id", Asset.parent_id),
)
_RANGES = (
    ("warranty_expiring_before", lambda v: Asset.warranty_expires_on < v),
    ("min_lat", lambda v: Asset.latitude >= v),
    ("max_lat", lambda v: Asset.latitude <= v),
    ("min_lng", lambda v: Asset.longitude >= v),
    ("max_lng", lambda v: Asset.longitude <= v),
)
_FILTERS: tuple[tuple[str, Any], ...] = (
    *((name, lambda v, c=column: c == v) for name, column in _EQUALS),
    *_RANGES,
)
# One statement per shape (sort, cursor or not, site-bound or not, which filters are given),
# built the first time each is asked for. Of the 6 x 2 x 2 x 2^9 possible shapes, the first
# 256 asked for are kept (a few kilobytes each); any other is built for its request.
_PAGES: dict[tuple[object, ...], prepared.Prepared] = {}
_PAGES_KEPT = 256
_ROWS = bindparam("rows", type_=Integer)


_SEARCH = "rank"  # the shape of a search page: best rank first, whatever `sort` says


def _page_shape(auth: Authorized, query: AssetFilter) -> tuple[object, ...]:
    given = tuple(name for name, _ in _FILTERS if getattr(query, name) is not None)
    bound = repository.sites(auth) is not None
    if query.q:
        return (_SEARCH, False, bound, given)  # the cursor is a parameter of the search
    return (query.sort, query.cursor is not None, bound, given)


def _with_filters(statement: Select[Any], given: tuple[str, ...]) -> Select[Any]:
    for name, condition in _FILTERS:
        if name in given:
            statement = statement.where(condition(bindparam(name)))
    return statement


def _build_page(shape: tuple[object, ...]) -> prepared.Prepared:
    sort, after, bound, given = cast(tuple[str, bool, bool, tuple[str, ...]], shape)
    if sort == _SEARCH:
        return _build_search(bound, given)
    keyset = _keyset(sort)
    statement = _with_filters(repository.visible_columns(bound), given)
    if after:
        pair = tuple_(keyset.key, keyset.id)
        position = tuple_(
            bindparam("after_key", type_=keyset.key.type), bindparam("after_id", type_=Uuid())
        )
        statement = statement.where(pair < position if keyset.descending else pair > position)
    return prepared.prepare(keyset.ordered(statement, cast(int, _ROWS)))


def _build_search(bound: bool, given: tuple[str, ...]) -> prepared.Prepared:
    matches = repository.SEARCH_MATCHES
    statement = (
        _with_filters(repository.visible_columns(bound), given)
        .add_columns(matches.c.rank)
        .join(matches, matches.c.id == Asset.id)
        .order_by(matches.c.rank.desc(), matches.c.id)
        .limit(cast(int, _ROWS))
    )
    return prepared.prepare(statement)


def _page_params(auth: Authorized, query: AssetFilter) -> dict[str, object]:
    params: dict[str, object] = {
        "org": auth.principal.organization_id,
        "rows": query.limit + 1,
    }
    scope = repository.sites(auth)
    if scope is not None:
        params["sites"] = list(scope)
    for name, _ in _FILTERS:
        value = getattr(query, name)
        if value is not None:
            params[name] = value
    if query.q:
        after = decode_position(query.cursor, float) if query.cursor else None
        params |= repository.search_params(auth, query.q, after)
    elif query.cursor:
        params["after_key"], params["after_id"] = decode_position(
            query.cursor, _keyset(query.sort).parse
        )
    return params


async def _prepared_page(
    session: AsyncSession, auth: Authorized, query: AssetFilter
) -> Page[AssetRead]:
    """The common page (any filter but a location): a statement built once per shape, run on
    the driver, its rows validated in one call."""
    shape = _page_shape(auth, query)
    statement = _PAGES.get(shape)
    if statement is None:
        statement = _build_page(shape)
        if len(_PAGES) < _PAGES_KEPT:
            _PAGES[shape] = statement
    if query.q:
        await prepared.plan_each_call(session)  # the search's join depends on the tenant's size
    rows = await prepared.fetch(session, statement, _page_params(auth, query))
    if query.q:
        page, next_cursor = split_page(
            rows, query.limit, lambda row: (repr(row["rank"]), _uuid(row["id"]))
        )
        return Page(items=_records(page), next_cursor=next_cursor)
    keyset = _keyset(query.sort)
    key, row_id = keyset.key.key, keyset.id.key
    assert key is not None, "keyset columns are named"
    assert row_id is not None, "keyset columns are named"
    page, next_cursor = split_page(rows, query.limit, lambda row: (row[key], _uuid(row[row_id])))
    return Page(items=_records(page), next_cursor=next_cursor)


def _uuid(value: object) -> UUID:
    assert isinstance(value, UUID)
    return value


async def list_assets(
    session: AsyncSession, auth: Authorized, query: AssetFilter
) -> Page[AssetRead]:
    if query.location_id is None:
        return await _prepared_page(session, auth, query)
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


def _records(rows: Sequence[prepared.Record]) -> list[AssetRead]:
    if not rows:
        return []
    # A record's values zipped with the names read once per page: `dict(record)` looks every
    # column up by name, row after row.
    names = tuple(rows[0].keys())
    return _ITEMS.validate_python([dict(zip(names, row, strict=True)) for row in rows])


def search_statement(auth: Authorized, query: AssetFilter) -> Select[tuple[object, ...]]:
    """One query: the caller's matches ranked, filtered and keyset-paged in the database (the
    definer function applies the cursor: best rank first, then id)."""
    assert query.q is not None
    after = decode_position(query.cursor, float) if query.cursor else None
    matches = repository.SEARCH_MATCHES
    return (
        _filtered(auth, query)
        .with_only_columns(*repository.READ_COLUMNS, matches.c.rank)
        .join(matches, matches.c.id == Asset.id)
        .order_by(matches.c.rank.desc(), matches.c.id)
        .limit(query.limit + 1)
        .params(repository.search_params(auth, query.q, after))
    )


async def _search(session: AsyncSession, auth: Authorized, query: AssetFilter) -> Page[AssetRead]:
    """Best matches first; the cursor is the last row's (rank, id)."""
    await prepared.plan_each_call(session)
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
