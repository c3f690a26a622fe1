"""The two schema bases of the wire format (D11): camelCase on the wire, snake_case inside."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

# PostgreSQL text cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 encoding.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Values that hold no text: most fields of a batch of thousands are these, so they skip the walk.
TEXTLESS = frozenset({int, float, bool, Decimal, UUID, datetime, date, time, timedelta, type(None)})


def unstorable_at(value: object, where: str = "") -> str | None:
    """Where the first string that cannot be stored sits inside `value` ('' for `value` itself,
    `[2]` or `.key` inside lists and mappings, keys included), or None if all of it can."""
    if isinstance(value, str):
        return where if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{UNSTORABLE.sub('?', str(key))}"
            if isinstance(key, str) and UNSTORABLE.search(key):
                return path
            if (found := unstorable_at(item, path)) is not None:
                return found
    if isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            if (found := unstorable_at(item, f"{where}[{index}]")) is not None:
                return found
    return None


class ReadSchema(BaseModel):
    """Responses: built from ORM objects by attribute name, serialised by camelCase alias."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        from_attributes=True,
        validate_by_name=True,
        validate_by_alias=False,
        serialize_by_alias=True,
    )


class WriteSchema(BaseModel):
    """Requests: only the camelCase names are accepted; anything else is `extra_forbidden` at
    its own key, never silently dropped nor accepted under two spellings. No text anywhere in
    a request (strings, list items, mapping keys and values) may hold NUL or a lone surrogate:
    every field of every subclass is checked, nested schemas check their own."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        extra="forbid",
        str_strip_whitespace=True,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        if type(value) in TEXTLESS:
            return value
        where = unstorable_at(value)
        if where is None:
            return value
        raise PydanticCustomError(
            "invalid_character",
            "Text cannot contain NUL (U+0000) or unpaired surrogates (U+D800-U+DFFF){where}",
            {"where": f" (at {where.lstrip('.')})" if where else ""},
        )


class QuerySchema(WriteSchema):
    """Query parameter models forbid unknown parameters too."""
