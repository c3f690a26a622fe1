from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKeyConstraint, Index, String, func, text
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base, TenantOwned, UUIDPrimaryKey, tenant_table_args


class UserSession(UUIDPrimaryKey, TenantOwned, Base):
    """One login (a refresh-token family). Revoking it ends every token of the family and the
    access tokens that name it."""

    __tablename__ = "user_sessions"
    __table_args__ = tenant_table_args(
        "user_sessions",
        ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            ondelete="CASCADE",
        ),
        Index("ix_user_sessions_organization_id_user_id", "organization_id", "user_id"),
    )

    user_id: Mapped[UUID]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_used_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(512))


class RefreshToken(UUIDPrimaryKey, TenantOwned, Base):
    """One refresh token of a session, stored as a digest. Rotation marks it `rotated_at`; a
    rotated token presented again after the grace window revokes the whole session."""

    __tablename__ = "refresh_tokens"
    __table_args__ = tenant_table_args(
        "refresh_tokens",
        ForeignKeyConstraint(
            ["organization_id", "session_id"],
            ["user_sessions.organization_id", "user_sessions.id"],
            ondelete="CASCADE",
        ),
        Index("uq_refresh_tokens_digest", "digest", unique=True),
        Index("ix_refresh_tokens_organization_id_session_id", "organization_id", "session_id"),
    )

    session_id: Mapped[UUID]
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    rotated_at: Mapped[datetime | None] = mapped_column(server_default=text("NULL"))
