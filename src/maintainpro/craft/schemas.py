from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from maintainpro.core.schemas import ReadSchema, WriteSchema

CraftName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# An hourly rate in the organization's currency.
Rate = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


class CraftRead(ReadSchema):
    id: UUID
    organization_id: UUID
    name: str
    hourly_rate: Decimal
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    deleted_at: datetime | None
    version: int


class CraftCreate(WriteSchema):
    name: CraftName
    hourly_rate: Rate


class CraftUpdate(WriteSchema):
    """PATCH: only the keys sent change. A new rate prices entries made from now on; entries
    already made keep the rate they were made with."""

    name: CraftName | None = None
    hourly_rate: Rate | None = None
