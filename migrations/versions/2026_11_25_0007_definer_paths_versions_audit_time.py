"""definer search_path with pg_temp last, version bumped by bulk updates, audit time of change

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from maintainpro.core.migration_ops import (
    DEFINER_SEARCH_PATH,
    bump_version,
    definer_function,
    run_sql,
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SEARCH_PATH = "pg_catalog, public"

DEFINERS = text(
    "SELECT p.oid::regprocedure::text FROM pg_proc p"
    " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'app' AND p.prosecdef"
    " ORDER BY 1"
)
VERSIONED_TABLES = text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'version' AND NOT a.attisdropped"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    " AND c.relname NOT LIKE 'procrastinate%' ORDER BY 1"
)
BUMPED_TABLES = text(
    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
    " WHERE t.tgname = 'bump_version' AND NOT t.tgisinternal AND NOT c.relispartition"
)

# The definer bodies that named tables without their schema (the others were qualified already).
OUTBOX = ("organizations_with_pending_outbox()", "SETOF uuid")
OUTBOX_BODY = "SELECT DISTINCT organization_id FROM {schema}outbox WHERE published_at IS NULL"
LOGIN = ("auth_resolve_login(login_email text)", "uuid")
LOGIN_BODY = (
    "SELECT organization_id FROM {schema}users"
    " WHERE email = pg_catalog.lower(login_email) AND deleted_at IS NULL"
)

BUMP_VERSION = """
CREATE FUNCTION app.bump_version() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  -- The ORM sets version = old + 1 itself (version_id_col); any other UPDATE that modifies the
  -- row (bulk or atomic SQL) leaves it equal, so it is bumped here and the ETag changes.
  -- Trigger arguments name the generated columns, not computed yet in a BEFORE trigger.
  IF NEW.version = OLD.version AND to_jsonb(NEW) - TG_ARGV <> to_jsonb(OLD) - TG_ARGV THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;
"""

# D6: one audit row per changed row; `occurred` is the time of the change in the new version
# (clock_timestamp(): two changes of one transaction are distinct and ordered), the time of the
# transaction start in the old one.
AUDIT_ROW = """
CREATE OR REPLACE FUNCTION app.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
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
  INSERT INTO {schema}activity_logs (organization_id, occurred_at, actor_id, request_id,
                             client_ip, entity_type, entity_id, action, before, after)
  VALUES (
    COALESCE(row_data ->> 'organization_id', row_data ->> 'id')::uuid,
    {occurred},
    NULLIF(current_setting('app.user_id', true), '')::uuid,
    NULLIF(current_setting('app.request_id', true), ''),
    NULLIF(current_setting('app.client_ip', true), '')::inet,
    TG_TABLE_NAME, (row_data ->> 'id')::uuid, verb,
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE before_data END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE after_data END);
  RETURN NULL;
END
$$;
"""


def _set_definer_search_path(path: str) -> None:
    for (function,) in op.get_bind().execute(DEFINERS):
        op.execute(f"ALTER FUNCTION {function} SET search_path = {path}")


def upgrade() -> None:
    definer_function(*OUTBOX, OUTBOX_BODY.format(schema="public."), replace=True)
    definer_function(*LOGIN, LOGIN_BODY.format(schema="public."), replace=True)
    _set_definer_search_path(DEFINER_SEARCH_PATH)
    run_sql(BUMP_VERSION)
    for (table,) in op.get_bind().execute(VERSIONED_TABLES).all():
        bump_version(table)
    run_sql(AUDIT_ROW.format(schema="public.", occurred="clock_timestamp()"))


def downgrade() -> None:
    run_sql(AUDIT_ROW.format(schema="", occurred="now()"))
    for (table,) in op.get_bind().execute(BUMPED_TABLES).all():
        op.execute(f"DROP TRIGGER bump_version ON {table}")
    op.execute("DROP FUNCTION app.bump_version()")
    definer_function(*OUTBOX, OUTBOX_BODY.format(schema=""), replace=True)
    definer_function(*LOGIN, LOGIN_BODY.format(schema="").replace("pg_catalog.", ""), replace=True)
    _set_definer_search_path(OLD_SEARCH_PATH)
