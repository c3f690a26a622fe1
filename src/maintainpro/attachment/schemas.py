from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, field_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema

ParentType = Literal["work_order", "comment", "request", "checklist_item", "asset"]


class AttachmentRead(ReadSchema):
    id: UUID
    organization_id: UUID
    parent_type: str
    parent_id: UUID
    file_name: str
    content_type: str
    size_bytes: int
    # Hex digest of the bytes: clients can check a download or skip a duplicate upload.
    sha256: str
    width: int | None
    height: int | None
    has_thumbnail: bool
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None

    @field_validator("sha256", mode="before")
    @classmethod
    def _hex(cls, value: object) -> object:
        return value.hex() if isinstance(value, bytes) else value


class AttachmentFilter(PageQuery):
    parent_type: ParentType
    parent_id: UUID


class UploadFingerprint(WriteSchema):
    """What identifies an upload for `Idempotency-Key` (the multipart body itself is not
    canonical): the parent, the name and the digest of the bytes."""

    parent_type: str
    parent_id: UUID
    file_name: str = Field(max_length=255)
    sha256: str
