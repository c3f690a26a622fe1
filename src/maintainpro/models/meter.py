from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import (
    Audited,
    Base,
    SoftDeleted,
    TenantOwned,
    UUIDPrimaryKey,
    Versioned,
    tenant_table_args,
)

METER_KINDS = ("counter", "gauge")
RESETS = ("rollover", "replacement")


def _asset_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", "asset_id"], ["assets.organization_id", "assets.id"], ondelete="CASCADE"
    )


class Meter(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A measured quantity of an asset: a counter that only grows (runtime hours, cycles,
    distance; it may roll over) or a gauge (temperature, pressure)."""

    __tablename__ = "meters"
    __table_args__ = tenant_table_args(
        "meters",
        _asset_fk(),
        CheckConstraint(f"kind IN {METER_KINDS}", name="kind"),
        CheckConstraint("rollover_value IS NULL OR rollover_value > 0", name="rollover_positive"),
        Index(
            "uq_meters_organization_id_asset_id_name_live",
            "organization_id",
            "asset_id",
            "name",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    asset_id: Mapped[UUID]
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    rollover_value: Mapped[float | None] = mapped_column(Float(53))


class MeterReading(Base):
    """Time series of meter values, partitioned by month on `measured_at` (D5). Idempotent:
    one row per (meter, time, source), a missing source counting as one source."""

    __tablename__ = "meter_readings"
    __table_args__ = (
        PrimaryKeyConstraint("id", "measured_at", name="pk_meter_readings"),
        ForeignKeyConstraint(
            ["organization_id", "meter_id"],
            ["meters.organization_id", "meters.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint(f"reset IS NULL OR reset IN {RESETS}", name="reset"),
        Index(
            "uq_meter_readings_reading",
            "organization_id",
            "meter_id",
            "measured_at",
            "source",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        {"postgresql_partition_by": "RANGE (measured_at)"},
    )

    id: Mapped[UUID] = mapped_column(server_default=text("app.uuidv7()"))
    measured_at: Mapped[datetime]
    organization_id: Mapped[UUID]
    meter_id: Mapped[UUID]
    value: Mapped[float] = mapped_column(Float(53))
    source: Mapped[str | None] = mapped_column(String(100))
    reset: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DowntimeEvent(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A period an asset was down; open (no end) while ongoing. Feeds availability (C4, C8)."""

    __tablename__ = "downtime_events"
    __table_args__ = tenant_table_args(
        "downtime_events",
        _asset_fk(),
        CheckConstraint("kind IN ('planned', 'unplanned')", name="kind"),
        CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="ends_after_start"),
        Index(
            "ix_downtime_events_organization_id_asset_id_started_at",
            "organization_id",
            "asset_id",
            "started_at",
        ),
        ForeignKeyConstraint(
            ["organization_id", "work_order_id"],
            ["work_orders.organization_id", "work_orders.id"],
            ondelete="SET NULL (work_order_id)",
        ),
        Index(
            "ix_downtime_events_organization_id_work_order_id",
            "organization_id",
            "work_order_id",
            postgresql_where=text("work_order_id IS NOT NULL"),
        ),
        Index(
            "ix_downtime_events_organization_id_open",
            "organization_id",
            "asset_id",
            postgresql_where=text("ended_at IS NULL AND deleted_at IS NULL"),
        ),
    )

    asset_id: Mapped[UUID]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(String(2000))
    # The work order that reported or fixed it (C3).
    work_order_id: Mapped[UUID | None]
