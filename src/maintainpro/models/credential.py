from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKeyConstraint, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import (
    Audited,
    Base,
    TenantOwned,
    UUIDPrimaryKey,
    tenant_table_args,
)


def _user_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", "user_id"], ["users.organization_id", "users.id"], ondelete="CASCADE"
    )


class PasswordResetToken(UUIDPrimaryKey, TenantOwned, Base):
    """Single-use, expiring; only the digest is stored."""

    __tablename__ = "password_reset_tokens"
    __table_args__ = tenant_table_args(
        "password_reset_tokens",
        _user_fk(),
        Index("uq_password_reset_tokens_digest", "digest", unique=True),
        Index("ix_password_reset_tokens_organization_id_user_id", "organization_id", "user_id"),
    )

    user_id: Mapped[UUID]
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class MfaBackupCode(UUIDPrimaryKey, TenantOwned, Base):
    """One-time MFA backup codes, stored as digests."""

    __tablename__ = "mfa_backup_codes"
    __table_args__ = tenant_table_args(
        "mfa_backup_codes",
        _user_fk(),
        Index("ix_mfa_backup_codes_organization_id_user_id", "organization_id", "user_id"),
    )

    user_id: Mapped[UUID]
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    used_at: Mapped[datetime | None]


class ApiKey(UUIDPrimaryKey, TenantOwned, Base, Audited):
    """Integration credential acting as its owner, limited to its scopes; hashed, revocable."""

    __tablename__ = "api_keys"
    __mapper_args__ = {"eager_defaults": True}  # read server-set timestamps back on flush (D10)
    __table_args__ = tenant_table_args(
        "api_keys",
        _user_fk(),
        Index("uq_api_keys_digest", "digest", unique=True),
        Index("ix_api_keys_organization_id_user_id", "organization_id", "user_id"),
    )

    user_id: Mapped[UUID]
    name: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
