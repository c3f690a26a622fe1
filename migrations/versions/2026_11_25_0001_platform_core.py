"""platform core: tenant functions, organizations, locations, audit trail, outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import SchemaItem

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import (
    audit,
    definer_function,
    enable_rls,
    grant,
    run_sql,
    tenant_table,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = f"""
CREATE SCHEMA app;
GRANT USAGE ON SCHEMA app TO {Role.APP}, {Role.DEFINER};
GRANT CREATE ON SCHEMA app TO {Role.DEFINER};

-- D2: '' after a transaction on a pooled connection must read as "no tenant", not a cast error.
CREATE FUNCTION app.current_org() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NULLIF(current_setting('app.organization_id', true), '')::uuid
$$;

-- UUIDv7 for rows created in SQL (triggers, bulk generators); the application uses uuid_utils.
CREATE FUNCTION app.uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid()) PLACING
        substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6),
      52, 1), 53, 1), 'hex')::uuid
$$;

-- D6: every write path (ORM or atomic SQL) leaves one audit row in the same transaction.
-- Trigger arguments name columns kept out of the diff.
CREATE FUNCTION app.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - TG_ARGV END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - TG_ARGV END;
  row_data jsonb := COALESCE(new_row, old_row);
  before_data jsonb := old_row;
  after_data jsonb := new_row;
  verb text := lower(TG_OP);
BEGIN
  -- A tenant purge (app.purge_organization) removes the tenant's trail with it.
  IF TG_OP = 'DELETE' AND COALESCE(row_data ->> 'organization_id', row_data ->> 'id')
       = current_setting('app.purge_organization', true) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT jsonb_object_agg(key, value) INTO before_data
      FROM jsonb_each(old_row) WHERE new_row -> key IS DISTINCT FROM value;
    IF before_data IS NULL THEN
      RETURN NULL;  -- nothing but bookkeeping changed
    END IF;
    SELECT jsonb_object_agg(key, value) INTO after_data
      FROM jsonb_each(new_row) WHERE old_row -> key IS DISTINCT FROM value;
    IF old_row ->> 'deleted_at' IS NULL AND new_row ->> 'deleted_at' IS NOT NULL THEN
      verb := 'soft_delete';
    ELSIF old_row ->> 'deleted_at' IS NOT NULL AND new_row ->> 'deleted_at' IS NULL THEN
      verb := 'restore';
    END IF;
  END IF;
  INSERT INTO activity_logs (organization_id, actor_id, request_id, client_ip,
                             entity_type, entity_id, action, before, after)
  VALUES (
    COALESCE(row_data ->> 'organization_id', row_data ->> 'id')::uuid,
    NULLIF(current_setting('app.user_id', true), '')::uuid,
    NULLIF(current_setting('app.request_id', true), ''),
    NULLIF(current_setting('app.client_ip', true), '')::inet,
    TG_TABLE_NAME, (row_data ->> 'id')::uuid, verb,
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE before_data END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE after_data END);
  RETURN NULL;
END
$$;

-- D5: monthly range partitions created ahead; callable by the app role (worker, serve start)
-- because it runs as the owner. An advisory lock serialises concurrent callers.
CREATE FUNCTION app.ensure_monthly_partitions(parent text, months_ahead int, months_back int)
RETURNS int LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  first_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC')
                           - make_interval(months => months_back);
  month_start timestamp;
  partition_name text;
  created int := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relname = parent AND p.partstrat = 'r') THEN
    RAISE EXCEPTION 'not a range-partitioned table: %', parent;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('maintainpro.partitions.' || parent));
  FOR i IN 0 .. months_back + months_ahead LOOP
    month_start := first_month + make_interval(months => i);
    partition_name := format('%s_p%s', parent, to_char(month_start, 'YYYY_MM'));
    IF to_regclass(format('public.%I', partition_name)) IS NULL THEN
      EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                     partition_name, parent,
                     month_start AT TIME ZONE 'UTC',
                     (month_start + interval '1 month') AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;
REVOKE ALL ON FUNCTION app.ensure_monthly_partitions(text, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.ensure_monthly_partitions(text, int, int) TO {Role.APP};
"""


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    ]


def _tenant_key(table: str) -> list[SchemaItem]:
    return [
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_organization_id_organizations",
        ),
        sa.UniqueConstraint("organization_id", "id", name=f"uq_{table}_organization_id_id"),
    ]


def upgrade() -> None:
    run_sql(FUNCTIONS)
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(63), nullable=False),
        sa.Column("timezone", sa.String(64), server_default="UTC", nullable=False),
        sa.Column(
            "settings", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
    )
    op.create_index(
        "uq_organizations_slug_live",
        "organizations",
        ["slug"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_locations"),
        *_tenant_key("locations"),
        sa.ForeignKeyConstraint(
            ["organization_id", "parent_id"],
            ["locations.organization_id", "locations.id"],
            name="fk_locations_organization_id_parent_id_locations",
        ),
        sa.CheckConstraint(
            "kind IN ('site', 'building', 'area', 'storeroom', 'other')", name="ck_locations_kind"
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name="ck_locations_not_own_parent"
        ),
        sa.CheckConstraint(
            "(kind = 'site') = (parent_id IS NULL)", name="ck_locations_site_is_root"
        ),
        sa.CheckConstraint("kind <> 'site' OR site_id = id", name="ck_locations_site_is_own_site"),
        sa.ForeignKeyConstraint(
            ["organization_id", "site_id"],
            ["locations.organization_id", "locations.id"],
            name="fk_locations_organization_id_site_id_locations",
        ),
    )
    op.create_index(
        "uq_locations_organization_id_code_live",
        "locations",
        ["organization_id", "code"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_locations_organization_id_parent_id", "locations", ["organization_id", "parent_id"]
    )
    op.create_index(
        "ix_locations_organization_id_site_id", "locations", ["organization_id", "site_id"]
    )
    op.create_table(
        "activity_logs",
        sa.Column("id", sa.Uuid(), server_default=sa.text("app.uuidv7()"), nullable=False),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("client_ip", postgresql.INET(), nullable=True),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("before", postgresql.JSONB(), nullable=True),
        sa.Column("after", postgresql.JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("id", "occurred_at", name="pk_activity_logs"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            ondelete="CASCADE",
            name="fk_activity_logs_organization_id_organizations",
        ),
        postgresql_partition_by="RANGE (occurred_at)",
    )
    op.create_index(
        "ix_activity_logs_organization_id_occurred_at",
        "activity_logs",
        ["organization_id", "occurred_at"],
    )
    op.create_index(
        "ix_activity_logs_organization_id_entity",
        "activity_logs",
        ["organization_id", "entity_type", "entity_id", "occurred_at"],
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payload", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        *_tenant_key("outbox"),
    )
    op.create_index(
        "ix_outbox_organization_id_pending",
        "outbox",
        ["organization_id", "id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )

    enable_rls("organizations", key="id")
    grant("organizations", ("SELECT", "INSERT", "UPDATE"))  # removal is soft, or an operator purge
    audit("organizations")
    tenant_table("locations")
    enable_rls("activity_logs")
    grant("activity_logs", ("SELECT", "INSERT"))  # append-only for the application
    enable_rls("outbox")
    grant("outbox", ("SELECT", "INSERT", "UPDATE"))
    grant("outbox", ("SELECT",), role=Role.DEFINER)
    # D4: the single cross-tenant read the relay needs.
    definer_function(
        "organizations_with_pending_outbox()",
        "SETOF uuid",
        "SELECT DISTINCT organization_id FROM outbox WHERE published_at IS NULL",
    )
    op.execute("SELECT app.ensure_monthly_partitions('activity_logs', 3, 1)")


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("activity_logs")
    op.drop_table("locations")
    op.drop_table("organizations")
    op.execute("DROP SCHEMA app CASCADE")
