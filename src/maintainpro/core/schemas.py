"""The two schema bases of the wire format (D11): camelCase on the wire, snake_case inside."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


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
    its own key, never silently dropped nor accepted under two spellings."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        extra="forbid",
        str_strip_whitespace=True,
    )


class QuerySchema(WriteSchema):
    """Query parameter models forbid unknown parameters too."""
