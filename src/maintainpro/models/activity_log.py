from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKeyConstraint, Index, String, func, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base


class ActivityLog(Base):
    """Append-only audit trail, written by row triggers in the changing transaction (D6).

    Partitioned by month on `occurred_at`; the primary key carries the partition key.
    """

    __tablename__ = "activity_logs"
    __table_args__ = (
        ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        Index("ix_activity_logs_organization_id_occurred_at", "organization_id", "occurred_at"),
        Index(
            "ix_activity_logs_organization_id_entity",
            "organization_id",
            "entity_type",
            "entity_id",
            "occurred_at",
        ),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("app.uuidv7()"))
    occurred_at: Mapped[datetime] = mapped_column(primary_key=True, server_default=func.now())
    organization_id: Mapped[UUID]
    actor_id: Mapped[UUID | None]
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_ip: Mapped[str | None] = mapped_column(INET)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[UUID]
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
