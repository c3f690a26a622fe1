from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base, TenantOwned, new_id


class OutboxEvent(TenantOwned, Base):
    """Domain events written in the transaction of their change (D7); relayed to jobs by the
    worker and kept as the per-organization change feed."""

    __tablename__ = "outbox"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-100)
    event_type: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[UUID]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    request_id: Mapped[str | None] = mapped_column(String(128))
    actor_id: Mapped[UUID | None]
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[datetime | None]


Index(
    "ix_outbox_organization_id_pending",
    OutboxEvent.organization_id,
    OutboxEvent.id,
    postgresql_where=OutboxEvent.published_at.is_(None),
)
