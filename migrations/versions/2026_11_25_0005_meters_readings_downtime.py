"""meters, meter readings (partitioned by month) and downtime events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 23:11:28.989657
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import enable_rls, grant, run_sql, tenant_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "downtime_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("work_order_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('planned', 'unplanned')", name=op.f("ck_downtime_events_kind")
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at > started_at",
            name=op.f("ck_downtime_events_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "asset_id"],
            ["assets.organization_id", "assets.id"],
            name=op.f("fk_downtime_events_organization_id_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_downtime_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downtime_events")),
        sa.UniqueConstraint(
            "organization_id", "id", name=op.f("uq_downtime_events_organization_id_id")
        ),
    )
    op.create_index(
        "ix_downtime_events_organization_id_asset_id_started_at",
        "downtime_events",
        ["organization_id", "asset_id", "started_at"],
        unique=False,
    )
    op.create_index(
        "ix_downtime_events_organization_id_open",
        "downtime_events",
        ["organization_id", "asset_id"],
        unique=False,
        postgresql_where=sa.text("ended_at IS NULL AND deleted_at IS NULL"),
    )
    op.create_table(
        "meters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rollover_value", sa.Float(precision=53), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("kind IN ('counter', 'gauge')", name=op.f("ck_meters_kind")),
        sa.CheckConstraint(
            "rollover_value IS NULL OR rollover_value > 0", name=op.f("ck_meters_rollover_positive")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "asset_id"],
            ["assets.organization_id", "assets.id"],
            name=op.f("fk_meters_organization_id_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_meters_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_meters_organization_id_id")),
    )
    op.create_index(
        "uq_meters_organization_id_asset_id_name_live",
        "meters",
        ["organization_id", "asset_id", "name"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "meter_readings",
        sa.Column("id", sa.Uuid(), server_default=sa.text("app.uuidv7()"), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("meter_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("reset", sa.String(length=16), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "reset IS NULL OR reset IN ('rollover', 'replacement')",
            name=op.f("ck_meter_readings_reset"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "meter_id"],
            ["meters.organization_id", "meters.id"],
            name=op.f("fk_meter_readings_organization_id_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "measured_at", name="pk_meter_readings"),
        postgresql_partition_by="RANGE (measured_at)",
    )
    op.create_index(
        "uq_meter_readings_reading",
        "meter_readings",
        ["organization_id", "meter_id", "measured_at", "source"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )

    _secure()


# D5: a reading may be backfilled into any month; the month's partition is created on demand.
ENSURE_FOR = f"""
CREATE FUNCTION app.ensure_partition_for(parent text, at timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
  partition_name text := format('%s_p%s', parent, to_char(month_start, 'YYYY_MM'));
BEGIN
  IF parent NOT IN ('meter_readings', 'activity_logs') THEN
    RAISE EXCEPTION 'not a monthly partitioned table: %', parent;
  END IF;
  IF to_regclass(format('public.%I', partition_name)) IS NOT NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('maintainpro.partitions.' || parent));
  IF to_regclass(format('public.%I', partition_name)) IS NULL THEN
    EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                   partition_name, parent, month_start AT TIME ZONE 'UTC',
                   (month_start + interval '1 month') AT TIME ZONE 'UTC');
  END IF;
END
$$;
REVOKE ALL ON FUNCTION app.ensure_partition_for(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.ensure_partition_for(text, timestamptz) TO {Role.APP};
"""


def _secure() -> None:
    tenant_table("meters")
    tenant_table("downtime_events")
    # Telemetry: audited per ingested batch by the service, not per row (D6).
    enable_rls("meter_readings")
    grant("meter_readings", ("SELECT", "INSERT", "DELETE"))
    run_sql(ENSURE_FOR)
    op.execute("SELECT app.ensure_monthly_partitions('meter_readings', 3, 1)")


def downgrade() -> None:
    op.execute("DROP FUNCTION app.ensure_partition_for(text, timestamptz)")
    op.drop_index(
        "uq_meter_readings_reading", table_name="meter_readings", postgresql_nulls_not_distinct=True
    )
    op.drop_table("meter_readings")
    op.drop_index(
        "uq_meters_organization_id_asset_id_name_live",
        table_name="meters",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_table("meters")
    op.drop_index(
        "ix_downtime_events_organization_id_open",
        table_name="downtime_events",
        postgresql_where=sa.text("ended_at IS NULL AND deleted_at IS NULL"),
    )
    op.drop_index(
        "ix_downtime_events_organization_id_asset_id_started_at", table_name="downtime_events"
    )
    op.drop_table("downtime_events")
