from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import EmailStr, Field, IPvAnyAddress, StringConstraints

from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.user.schemas import UserRead

Password = Annotated[str, Field(min_length=1, max_length=256)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]


class SignupRequest(WriteSchema):
    organization_name: Name
    organization_slug: Slug
    timezone: str = Field(default="UTC", max_length=64)
    full_name: Name
    email: EmailStr
    password: Password


class LoginRequest(WriteSchema):
    email: EmailStr
    password: Password
    mfa_code: str | None = Field(default=None, min_length=6, max_length=32)
    # Asked for once the account has had many failed sign-ins (auth/captcha.py).
    captcha_token: str | None = Field(default=None, min_length=1, max_length=4096)


class RefreshRequest(WriteSchema):
    refresh_token: str = Field(min_length=10, max_length=300)


class PasswordChange(WriteSchema):
    current_password: Password
    new_password: Password


class MeUpdate(WriteSchema):
    full_name: Name | None = None
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class TokenPair(ReadSchema):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    user: UserRead


class SessionRead(ReadSchema):
    id: UUID
    organization_id: UUID
    user_id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    ip: IPvAnyAddress | None
    user_agent: str | None
    current: bool = False


class MfaEnrolment(ReadSchema):
    otpauth_uri: str
    secret: str


class MfaCode(WriteSchema):
    code: str = Field(min_length=6, max_length=32)


class MfaDisable(WriteSchema):
    password: Password
    code: str = Field(min_length=6, max_length=32)


class BackupCodes(ReadSchema):
    backup_codes: list[str]
