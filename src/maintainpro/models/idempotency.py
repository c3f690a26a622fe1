from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKeyConstraint, Index, Integer, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base, TenantOwned, UUIDPrimaryKey


class IdempotencyKey(UUIDPrimaryKey, TenantOwned, Base):
    """The stored answer of a create sent with `Idempotency-Key` (D11): written in the creating
    transaction, so it exists if and only if the create committed; kept 24 hours."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        Index(
            "uq_idempotency_keys_scope",
            "organization_id",
            "user_id",
            "route",
            "key",
            unique=True,
        ),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    user_id: Mapped[UUID]
    route: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(255))
    body_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
