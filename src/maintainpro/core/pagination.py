"""Keyset (cursor) pagination: `{items, nextCursor}` with an opaque cursor over (sort key, id)."""

from __future__ import annotations

import base64
from typing import Generic, TypeVar
from uuid import UUID

import orjson
from pydantic import Field

from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.core.schemas import QuerySchema, ReadSchema

T = TypeVar("T")
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
