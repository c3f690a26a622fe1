"""job queue: procrastinate's schema, granted to the application role

procrastinate's own schema file is applied as this revision (the library version is pinned by
uv.lock; a procrastinate upgrade ships its migration SQL as a new revision here).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from procrastinate.schema import SchemaManager

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import run_sql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = f"""
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT c.relname, c.relkind FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relname LIKE 'procrastinate%'
                AND c.relkind IN ('r', 'S')
  LOOP
    IF item.relkind = 'r' THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO {Role.APP}', item.relname);
    ELSE
      EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %I TO {Role.APP}', item.relname);
    END IF;
  END LOOP;
END $$;
"""

DROP = """
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate%'
  LOOP
    EXECUTE format('DROP FUNCTION %s CASCADE', item.signature);
  END LOOP;
  FOR item IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relname LIKE 'procrastinate%' AND c.relkind = 'r'
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.relname);
  END LOOP;
  FOR item IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE n.nspname = 'public' AND t.typname LIKE 'procrastinate%'
                AND t.typtype IN ('e', 'c')
  LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
  END LOOP;
END $$;
"""


def upgrade() -> None:
    run_sql(SchemaManager.get_schema())
    run_sql(GRANTS)


def downgrade() -> None:
    run_sql(DROP)
