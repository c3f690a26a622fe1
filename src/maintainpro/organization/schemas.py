from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StrictBool, StringConstraints

from maintainpro.core.schemas import ReadSchema, WriteSchema

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class OrganizationRead(ReadSchema):
    id: UUID
    name: str
    slug: str
    timezone: str
    settings: dict[str, Any]
    branding: dict[str, Any]
    feature_flags: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class OrganizationUpdate(WriteSchema):
    name: Name | None = None
    timezone: str | None = Field(default=None, max_length=64)
    settings: dict[str, Any] | None = None
    branding: dict[str, Any] | None = None
    feature_flags: dict[str, StrictBool] | None = None
