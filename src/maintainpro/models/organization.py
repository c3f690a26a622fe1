from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Audited, Base, SoftDeleted, UUIDPrimaryKey, Versioned


class Organization(UUIDPrimaryKey, Base, Audited, SoftDeleted, Versioned):
    """The tenant. Its own row is visible only to itself (policy on `id`)."""

    __tablename__ = "organizations"
    __table_args__ = (
        Index(
            "uq_organizations_slug_live",
            "slug",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63))
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    branding: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    feature_flags: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
