from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema

Kind = Literal["site", "building", "area", "storeroom", "other"]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class LocationRead(ReadSchema):
    id: UUID
    organization_id: UUID
    code: str
    name: str
    kind: str
    parent_id: UUID | None
    site_id: UUID
    description: str | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class LocationNode(LocationRead):
    depth: int


class LocationCreate(WriteSchema):
    code: Code
    name: Name
    kind: Kind
    parent_id: UUID | None = None
    description: str | None = Field(default=None, max_length=4000)


class LocationUpdate(WriteSchema):
    code: Code | None = None
    name: Name | None = None
    parent_id: UUID | None = None
    description: str | None = Field(default=None, max_length=4000)


class LocationFilter(PageQuery):
    kind: Kind | None = None
    parent_id: UUID | None = None
    site_id: UUID | None = None
