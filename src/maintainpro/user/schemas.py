from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import EmailStr, Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.craft.schemas import Rate

RoleName = Literal[
    "admin", "manager", "supervisor", "technician", "inventory_clerk", "contractor", "requester"
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class UserCreate(WriteSchema):
    email: EmailStr
    full_name: Name
    role: RoleName
    site_ids: list[UUID] = Field(default_factory=list, max_length=100)
    password: str | None = Field(default=None, min_length=1, max_length=256)
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class UserUpdate(WriteSchema):
    full_name: Name | None = None
    role: RoleName | None = None
    site_ids: list[UUID] | None = Field(default=None, max_length=100)
    is_active: bool | None = None
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    # What their labor costs an hour (null: their craft's rate applies), and their craft.
    hourly_rate: Rate | None = None
    craft_id: UUID | None = None


class UserFilter(PageQuery):
    role: RoleName | None = None
    is_active: bool | None = None
    site_id: UUID | None = None


class UserRead(ReadSchema):
    id: UUID
    organization_id: UUID
    email: str
    full_name: str
    role: str
    is_active: bool
    locale: str
    mfa_enabled: bool
    last_login_at: datetime | None
    password_changed_at: datetime | None
    hourly_rate: Decimal | None
    craft_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int
    site_ids: list[UUID] = []
