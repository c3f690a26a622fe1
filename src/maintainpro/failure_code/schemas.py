"""Wire schemas of failure codes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema

Kind = Literal["problem", "cause", "remedy"]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._/-]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=2000)]


class FailureCodeRead(ReadSchema):
    id: UUID
    organization_id: UUID
    kind: str
    code: str
    name: str
    description: str | None
    asset_category: str | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    version: int


class FailureCodeCreate(WriteSchema):
    kind: Kind
    code: Code
    name: Name
    description: Description | None = None
    # Set: the code is offered for assets of this category only; unset: for every asset.
    asset_category: Category | None = None


class FailureCodeUpdate(WriteSchema):
    kind: Kind | None = None
    code: Code | None = None
    name: Name | None = None
    description: Description | None = None
    asset_category: Category | None = None


class FailureCodeFilter(PageQuery):
    kind: Kind | None = None
    # The codes for assets of this category: its own and the general ones.
    asset_category: Category | None = None


class DefaultsLoaded(ReadSchema):
    added: int
