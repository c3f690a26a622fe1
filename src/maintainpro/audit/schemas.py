from __future__ import annotations

from datetime import datetime
from ipaddress import IPv4Address, IPv6Address
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, JsonValue, ValidationInfo, field_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import QuerySchema, ReadSchema

AuditAction = Literal["insert", "update", "delete", "soft_delete", "restore"]


class ActivityLogCriteria(QuerySchema):
    entity_type: str | None = Field(default=None, max_length=64)
    entity_id: UUID | None = None
    actor_id: UUID | None = None
    action: AuditAction | None = None
    since: AwareDatetime | None = Field(default=None, alias="from")
    until: AwareDatetime | None = Field(default=None, alias="to")

    # A field validator (not a model one) so the error is reported at `to`, not at the query.
    @field_validator("until")
    @classmethod
    def _after_since(cls, until: datetime | None, info: ValidationInfo) -> datetime | None:
        since = info.data.get("since")  # absent when `from` failed and is reported on its own
        if since is not None and until is not None and until <= since:
            raise ValueError("must be after `from`")
        return until


class ActivityLogFilter(ActivityLogCriteria, PageQuery):
    pass


class ActivityLogExport(ActivityLogCriteria):
    format: Literal["csv", "json"] = "json"


class ActivityLogRead(ReadSchema):
    id: UUID
    occurred_at: datetime
    organization_id: UUID
    actor_id: UUID | None
    request_id: str | None
    client_ip: IPv4Address | IPv6Address | None
    entity_type: str
    entity_id: UUID
    action: str
    before: dict[str, JsonValue] | None
    after: dict[str, JsonValue] | None
