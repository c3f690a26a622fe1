"""Keyset (cursor) pagination: `{items, nextCursor}` with an opaque cursor over (sort key, id)."""

from __future__ import annotations

import base64
from typing import Generic, TypeVar
from uuid import UUID

import orjson
from pydantic import Field
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.core.schemas import QuerySchema, ReadSchema

T = TypeVar("T")
M = TypeVar("M")
MAX_LIMIT = 200


class PageQuery(QuerySchema):
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)


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


def decode_id_cursor(cursor: str) -> UUID:
    (value,) = decode_cursor(cursor, parts=1)
    try:
        return UUID(value)
    except ValueError as exc:
        raise _bad_cursor() from exc


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "The cursor is not valid.", [FieldError("cursor", "Malformed cursor.", "invalid")]
    )


async def rows_by_id(
    session: AsyncSession,
    statement: Select[M],
    id_column: InstrumentedAttribute[UUID],
    query: PageQuery,
) -> tuple[list[M], str | None]:
    """One page of rows in id (creation) order and the cursor of the next page, if any: the
    statement fetches one row more than the page to learn whether another page exists."""
    if query.cursor:
        statement = statement.where(id_column > decode_id_cursor(query.cursor))
    rows = list(await session.scalars(statement.order_by(id_column).limit(query.limit + 1)))
    page = rows[: query.limit]
    last_id = getattr(page[-1], id_column.key) if len(rows) > query.limit else None
    return page, encode_cursor(last_id) if last_id is not None else None
