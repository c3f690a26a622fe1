"""API keys on the wire: the secret appears once, in the create response; the digest never."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, field_validator

from maintainpro.auth.permissions import API_KEY_SCOPES
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.models import ApiKey

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ScopeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ApiKeyCreate(WriteSchema):
    name: Name
    scopes: list[ScopeName] = Field(min_length=1, max_length=len(API_KEY_SCOPES))
    expires_at: AwareDatetime | None = None

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        # The whole list is the field, so errors name `scopes` like the service's role check.
        if unknown := sorted(set(scopes) - API_KEY_SCOPES):
            raise ValueError(f"unknown scopes {unknown}; each is 'resource:action'")
        return sorted(set(scopes))


class ApiKeyRead(ReadSchema):
    id: UUID
    organization_id: UUID
    user_id: UUID
    name: str
    scopes: list[str]
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The full API key. Shown only in this response; store it now.")

    @classmethod
    def issued(cls, row: ApiKey, key: str) -> ApiKeyCreated:
        fields = ApiKeyRead.model_validate(row).model_dump(by_alias=False)
        return cls.model_validate({**fields, "key": key})
