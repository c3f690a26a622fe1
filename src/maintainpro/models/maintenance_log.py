"""The maintenance history of an asset (C3, C4): one entry per asset of a completed work order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import ForeignKeyConstraint, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import Base, TenantOwned, UUIDPrimaryKey, tenant_table_args


def _fk(column: str, table: str, ondelete: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", column],
        [f"{table}.organization_id", f"{table}.id"],
        ondelete=ondelete,
    )


class MaintenanceLog(UUIDPrimaryKey, TenantOwned, Base):
    """Written when work on the asset completes; append-only (a reopened and completed again
    work order writes a second entry: both completions happened)."""

    __tablename__ = "maintenance_logs"
    __table_args__ = tenant_table_args(
        "maintenance_logs",
        _fk("work_order_id", "work_orders", "CASCADE"),
        _fk("asset_id", "assets", "CASCADE"),
        _fk("completed_by", "users", "SET NULL (completed_by)"),
        _fk("problem_code_id", "failure_codes", "SET NULL (problem_code_id)"),
        _fk("cause_code_id", "failure_codes", "SET NULL (cause_code_id)"),
        _fk("remedy_code_id", "failure_codes", "SET NULL (remedy_code_id)"),
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
