"""The maintenance history of an asset (C3, C4): one entry per asset of a completed work order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base, TenantOwned, UUIDPrimaryKey, tenant_table_args
from maintainpro.models.work_order import _fk, _nullable_fk


class MaintenanceLog(UUIDPrimaryKey, TenantOwned, Base):
    """Written when work on the asset completes; append-only (a reopened and completed again
    work order writes a second entry: both completions happened)."""

    __tablename__ = "maintenance_logs"
    __table_args__ = tenant_table_args(
        "maintenance_logs",
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
        _fk("asset_id", "assets", ondelete="CASCADE"),
        _nullable_fk("completed_by", "users"),
        _nullable_fk("problem_code_id", "failure_codes"),
        _nullable_fk("cause_code_id", "failure_codes"),
        _nullable_fk("remedy_code_id", "failure_codes"),
        # The asset history, newest first.
        Index(
            "ix_maintenance_logs_organization_id_asset_id",
            "organization_id",
            "asset_id",
            "completed_at",
            "id",
        ),
        Index(
            "ix_maintenance_logs_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
        ),
    )

    work_order_id: Mapped[UUID]
    asset_id: Mapped[UUID]
    work_order_number: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[datetime]
    completed_by: Mapped[UUID | None]
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    problem_code_id: Mapped[UUID | None]
    cause_code_id: Mapped[UUID | None]
    remedy_code_id: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
