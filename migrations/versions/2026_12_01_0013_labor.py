"""labor: crafts with hourly rates, a rate and craft per user, labor entries (manual entries
and running timers, one running timer per person) rolled up into their work order's actual
hours and labor cost by a trigger

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from maintainpro.core.migration_ops import bump_version, run_sql, tenant_table

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = "ended_at IS NULL AND deleted_at IS NULL"
LABOR_HOURS = "round(EXTRACT(EPOCH FROM ended_at - started_at) / 3600, 2)"
LABOR_COST = f"round({LABOR_HOURS} * hourly_rate, 2)"


def _audit_columns() -> list[sa.Column[object]]:
    return [
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
    ]


def _tenant_fk(
    table: str, column: str, target: str, ondelete: str | None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id", column],
        [f"{target}.organization_id", f"{target}.id"],
        name=op.f(f"fk_{table}_organization_id_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "crafts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("hourly_rate", sa.Numeric(precision=10, scale=2), nullable=False),
        *_audit_columns(),
        sa.CheckConstraint("hourly_rate >= 0", name=op.f("ck_crafts_hourly_rate_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crafts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crafts")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_crafts_organization_id_id")),
    )
    op.create_index(
        "uq_crafts_organization_id_name_live",
        "crafts",
        ["organization_id", "name"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "labor_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("work_order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("craft_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "hours",
            sa.Numeric(precision=8, scale=2),
            sa.Computed(LABOR_HOURS, persisted=True),
            nullable=True,
        ),
        sa.Column("hourly_rate", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column(
            "cost",
            sa.Numeric(precision=14, scale=2),
            sa.Computed(LABOR_COST, persisted=True),
            nullable=True,
        ),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        *_audit_columns(),
        sa.CheckConstraint("source IN ('manual', 'timer')", name=op.f("ck_labor_entries_source")),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_labor_entries_ended_after_start"),
        ),
        sa.CheckConstraint("hourly_rate >= 0", name=op.f("ck_labor_entries_hourly_rate_positive")),
        _tenant_fk("labor_entries", "craft_id", "crafts", "SET NULL (craft_id)"),
        _tenant_fk("labor_entries", "user_id", "users", None),
        _tenant_fk("labor_entries", "work_order_id", "work_orders", "CASCADE"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_labor_entries_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labor_entries")),
        sa.UniqueConstraint(
            "organization_id", "id", name=op.f("uq_labor_entries_organization_id_id")
        ),
    )
    op.create_index(
        "ix_labor_entries_organization_id_work_order_id",
        "labor_entries",
        ["organization_id", "work_order_id", "started_at", "id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_labor_entries_organization_id_user_id_running",
        "labor_entries",
        ["organization_id", "user_id"],
        unique=True,
        postgresql_where=sa.text(RUNNING),
    )
    op.add_column("users", sa.Column("hourly_rate", sa.Numeric(precision=10, scale=2)))
    op.add_column("users", sa.Column("craft_id", sa.Uuid(), nullable=True))
    op.create_check_constraint(op.f("ck_users_hourly_rate_positive"), "users", "hourly_rate >= 0")
    op.create_foreign_key(
        op.f("fk_users_organization_id_craft_id_crafts"),
        "users",
        "crafts",
        ["organization_id", "craft_id"],
        ["organization_id", "id"],
        ondelete="SET NULL (craft_id)",
    )
    _secure()


# The roll-up: a work order's actual hours and labor cost are the sums over its live, finished
# entries, recounted (not adjusted by deltas, so any drift heals on the next write) whenever a
# counted entry appears, changes or goes. The work order row is locked first and the sums are
# read by the next statement: under READ COMMITTED that statement's snapshot then includes
# every entry committed by a writer that held the lock before, so concurrent writers never
# lose each other's time. A running timer counts for nothing and touches no work order.
RECOUNT = """
CREATE FUNCTION app.recount_labor(org uuid, work_order uuid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  PERFORM 1 FROM public.work_orders w
    WHERE w.organization_id = org AND w.id = work_order FOR NO KEY UPDATE;
  UPDATE public.work_orders w SET actual_hours = t.hours, labor_cost = t.cost
  FROM (SELECT coalesce(sum(e.hours), 0) AS hours, coalesce(sum(e.cost), 0) AS cost
        FROM public.labor_entries e
        WHERE e.organization_id = org AND e.work_order_id = work_order
          AND e.deleted_at IS NULL AND e.ended_at IS NOT NULL) t
  WHERE w.organization_id = org AND w.id = work_order
    AND (w.actual_hours, w.labor_cost) IS DISTINCT FROM (t.hours, t.cost);
END
$$;

CREATE FUNCTION app.roll_up_labor() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  counted_before boolean := TG_OP <> 'INSERT'
                            AND OLD.deleted_at IS NULL AND OLD.ended_at IS NOT NULL;
  counted_after boolean := TG_OP <> 'DELETE'
                           AND NEW.deleted_at IS NULL AND NEW.ended_at IS NOT NULL;
  same_work_order boolean := TG_OP = 'UPDATE' AND OLD.work_order_id = NEW.work_order_id;
BEGIN
  IF counted_before AND counted_after AND same_work_order
     AND OLD.hours IS NOT DISTINCT FROM NEW.hours AND OLD.cost IS NOT DISTINCT FROM NEW.cost THEN
    RETURN NULL;  -- a note changed: the sums did not
  END IF;
  IF counted_before THEN
    PERFORM app.recount_labor(OLD.organization_id, OLD.work_order_id);
  END IF;
  IF counted_after AND NOT (counted_before AND same_work_order) THEN
    PERFORM app.recount_labor(NEW.organization_id, NEW.work_order_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER roll_up_labor AFTER INSERT OR UPDATE OR DELETE ON labor_entries
FOR EACH ROW EXECUTE FUNCTION app.roll_up_labor();
"""


def _secure() -> None:
    tenant_table("crafts")
    bump_version("crafts")
    tenant_table("labor_entries")
    bump_version("labor_entries")
    run_sql(RECOUNT)


def downgrade() -> None:
    op.execute("DROP TRIGGER roll_up_labor ON labor_entries")
    op.execute("DROP FUNCTION app.roll_up_labor()")
    op.execute("DROP FUNCTION app.recount_labor(uuid, uuid)")
    op.drop_constraint(
        op.f("fk_users_organization_id_craft_id_crafts"), "users", type_="foreignkey"
    )
    op.drop_constraint(op.f("ck_users_hourly_rate_positive"), "users", type_="check")
    op.drop_column("users", "craft_id")
    op.drop_column("users", "hourly_rate")
    op.drop_index(
        "uq_labor_entries_organization_id_user_id_running",
        table_name="labor_entries",
        postgresql_where=sa.text(RUNNING),
    )
    op.drop_index(
        "ix_labor_entries_organization_id_work_order_id",
        table_name="labor_entries",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_table("labor_entries")
    op.drop_index(
        "uq_crafts_organization_id_name_live",
        table_name="crafts",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_table("crafts")
