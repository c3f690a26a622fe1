from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.models.comment import MAX_BODY

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]
# A comment mentions at most this many people.
MAX_MENTIONS = 50
Mentions = Annotated[list[UUID], Field(max_length=MAX_MENTIONS)]


class CommentRead(ReadSchema):
    id: UUID
    organization_id: UUID
    work_order_id: UUID
    parent_id: UUID | None
    author_id: UUID | None
    body: str
    mention_ids: list[UUID]
    edited_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class CommentCreate(WriteSchema):
    body: Body
    parent_id: UUID | None = None
    mention_ids: Mentions = []


class CommentUpdate(WriteSchema):
    body: Body | None = None
    # Replaces the mentions when given.
    mention_ids: Mentions | None = None


class CommentFilter(PageQuery):
    # Replies of this comment only; `topLevel` only comments that reply to none.
    parent_id: UUID | None = None
    top_level: bool = False
    # Full-text search over the bodies: best matches first instead of newest first.
    q: str | None = Field(default=None, min_length=1, max_length=200)
