"""Wire schemas of teams and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=2000)]
# A crew, not a department: a team has at most this many members.
MAX_MEMBERS = 200


class TeamRead(ReadSchema):
    id: UUID
    organization_id: UUID
    name: str
    description: str | None
    site_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    version: int


class TeamCreate(WriteSchema):
    name: Name
    description: Description | None = None
    # Set: the team works in this site, and its site-bound members must belong to it.
    site_id: UUID | None = None


class TeamUpdate(WriteSchema):
    name: Name | None = None
    description: Description | None = None
    site_id: UUID | None = None


class TeamFilter(PageQuery):
    site_id: UUID | None = None


class MemberRead(ReadSchema):
    user_id: UUID
    full_name: str
    email: str
    role: str


class TeamMembers(ReadSchema):
    team_id: UUID
    items: list[MemberRead]


class MembersReplace(WriteSchema):
    user_ids: Annotated[list[UUID], Field(max_length=MAX_MEMBERS)]
