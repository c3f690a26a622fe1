"""Keyset (cursor) pagination: `{items, nextCursor}` with an opaque cursor over (sort key, id)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import orjson
from pydantic import Field, field_validator
from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.core.schemas import QuerySchema, ReadSchema

T = TypeVar("T")
M = TypeVar("M")
R = TypeVar("R")
K = TypeVar("K")
MAX_LIMIT = 200


class PageQuery(QuerySchema):
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)

    @field_validator("cursor", mode="before")
    @classmethod
    def _empty_is_first_page(cls, value: object) -> object:
        """`?cursor=` (a client passing on an absent `nextCursor`) asks for the first page."""
        return None if value == "" else value


class Page(ReadSchema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(*values: object) -> str:
    raw = orjson.dumps([str(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, parts: int) -> list[str]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise _bad_cursor() from exc
    if (
        not isinstance(values, list)
        or len(values) != parts
        or not all(isinstance(v, str) for v in values)
    ):
        raise _bad_cursor()
    return values


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "The cursor is not valid.", [FieldError("cursor", "Malformed cursor.", "invalid")]
    )


def aware_datetime(value: str) -> datetime:
    """A cursor's timestamp; a naive one was never issued by us (it would be read as UTC)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive timestamp")
    return parsed


def decode_position(cursor: str, parse_key: Callable[[str], K]) -> tuple[K, UUID]:
    """The (sort key, id) a cursor names; anything else is a 422 on `cursor`."""
    key, last_id = decode_cursor(cursor, parts=2)
    try:
        return parse_key(key), UUID(last_id)
    except ValueError as exc:
        raise _bad_cursor() from exc


def split_page(
    rows: Sequence[R], limit: int, position: Callable[[R], tuple[object, UUID]]
) -> tuple[list[R], str | None]:
    """A page from `limit + 1` fetched rows, and the cursor of the next page when there is one."""
    page = list(rows[:limit])
    if len(rows) <= limit:
        return page, None
    return page, encode_cursor(*position(page[-1]))


@dataclass(frozen=True, slots=True)
class Keyset(Generic[K]):
    """A list order over (key, id), every list's one way to page: the cursor is the last row's
    (key, id), and the next page is the rows after it in that order (index-served when an
    `(organization_id, key, id)` index exists)."""

    key: ColumnElement[K] | InstrumentedAttribute[K]
    id: ColumnElement[UUID] | InstrumentedAttribute[UUID]
    parse: Callable[[str], K]
    descending: bool = False

    def after(self, statement: Select[M], position: tuple[K, UUID]) -> Select[M]:
        pair = tuple_(self.key, self.id)
        return statement.where(pair < position if self.descending else pair > position)

    def ordered(self, statement: Select[M], rows: int) -> Select[M]:
        if self.descending:
            return statement.order_by(self.key.desc(), self.id.desc()).limit(rows)
        return statement.order_by(self.key, self.id).limit(rows)

    def page(self, statement: Select[M], cursor: str | None, limit: int) -> Select[M]:
        """`statement` narrowed to the page after `cursor`, ordered, `limit + 1` rows."""
        if cursor:
            statement = self.after(statement, decode_position(cursor, self.parse))
        return self.ordered(statement, limit + 1)

    def split(self, rows: Sequence[R], limit: int) -> tuple[list[R], str | None]:
        key, row_id = self.key.key, self.id.key
        assert key is not None, "keyset columns are named"
        assert row_id is not None, "keyset columns are named"
        return split_page(rows, limit, lambda row: (getattr(row, key), getattr(row, row_id)))


async def rows_by_id(
    session: AsyncSession,
    statement: Select[M],
    id_column: InstrumentedAttribute[UUID],
    query: PageQuery,
) -> tuple[list[M], str | None]:
    """One page of rows in id (creation) order and the cursor of the next page, if any."""
    keyset = Keyset(id_column, id_column, UUID)
    rows = list(await session.scalars(keyset.page(statement, query.cursor, query.limit)))
    return keyset.split(rows, query.limit)
