"""per-organization numbers come from a sequence per organization and kind, not a counter row:
concurrent creates of one tenant no longer queue on one row lock held to COMMIT

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import (
    DEFINER_SEARCH_PATH,
    definer_function,
    enable_rls,
    grant,
    run_sql,
)

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The numbered kinds: one sequence each per organization (`numbering.work_order_<org hex>`).
# A later kind is added to the trigger's arguments and created for the existing organizations.
KINDS = ("work_order",)
SEQUENCE_NAME = (
    "pg_catalog.format('numbering.%I', kind || '_' || pg_catalog.replace({org}::text, '-', ''))"
)

# Runs as the owner (who owns the schema and every sequence in it): creates an organization's
# sequences with it and drops them with it. A trigger function cannot be called directly.
NUMBER_SEQUENCES = f"""
CREATE FUNCTION app.number_sequences() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {DEFINER_SEARCH_PATH} AS $fn$
DECLARE
  kind text;
BEGIN
  FOREACH kind IN ARRAY TG_ARGV LOOP
    IF TG_OP = 'INSERT' THEN
      EXECUTE pg_catalog.format('CREATE SEQUENCE %s', {SEQUENCE_NAME.format(org="NEW.id")});
    ELSE
      EXECUTE pg_catalog.format('DROP SEQUENCE IF EXISTS %s', {SEQUENCE_NAME.format(org="OLD.id")});
    END IF;
  END LOOP;
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION app.number_sequences() FROM PUBLIC;
"""
TRIGGER = (
    "CREATE TRIGGER number_sequences AFTER INSERT OR DELETE ON organizations FOR EACH ROW"
    f" EXECUTE FUNCTION app.number_sequences({', '.join(repr(kind) for kind in KINDS)})"
)

# `n` numbers of the caller's organization, the last of them returned (the first is
# last - n + 1 only when nothing else takes numbers at the same time: bulk loaders run alone).
# Without a tenant it answers no row and takes nothing.
TAKE_NUMBERS = f"""
SELECT s.last_number FROM (
  SELECT pg_catalog.max(pg_catalog.nextval(
    CAST({SEQUENCE_NAME.format(org="t.org")} AS pg_catalog.regclass))) AS last_number
  FROM (SELECT app.current_org() AS org) t, pg_catalog.generate_series(1, n)
  WHERE t.org IS NOT NULL
) s WHERE s.last_number IS NOT NULL
"""

EXISTING = f"""
DO $do$
DECLARE
  o record;
  kind text;
BEGIN
  FOR o IN SELECT id FROM public.organizations LOOP
    FOREACH kind IN ARRAY ARRAY[{", ".join(repr(kind) for kind in KINDS)}] LOOP
      EXECUTE pg_catalog.format('CREATE SEQUENCE %s START %s', {SEQUENCE_NAME.format(org="o.id")},
        1 + coalesce((SELECT c.last_value FROM public.number_counters c
                      WHERE c.organization_id = o.id AND c.sequence = kind), 0));
    END LOOP;
  END LOOP;
END
$do$
"""

BACK_TO_COUNTERS = f"""
DO $do$
DECLARE
  o record;
  kind text;
  taken bigint;
BEGIN
  FOR o IN SELECT id FROM public.organizations LOOP
    FOREACH kind IN ARRAY ARRAY[{", ".join(repr(kind) for kind in KINDS)}] LOOP
      EXECUTE pg_catalog.format(
        'SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s',
        {SEQUENCE_NAME.format(org="o.id")}) INTO taken;
      IF taken > 0 THEN
        INSERT INTO public.number_counters VALUES (o.id, kind, taken);
      END IF;
    END LOOP;
  END LOOP;
END
$do$
"""


def _seeing_every_organization(statement: str, *tables: str) -> None:
    """Runs `statement` as the owner over every tenant's rows (FORCE lifted for its duration,
    inside the migration's transaction)."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    run_sql(statement)
    for table in tables:
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def upgrade() -> None:
    op.execute("CREATE SCHEMA numbering")
    op.execute(f"GRANT USAGE ON SCHEMA numbering TO {Role.DEFINER}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA numbering GRANT USAGE ON SEQUENCES TO {Role.DEFINER}"
    )
    _seeing_every_organization(EXISTING, "organizations", "number_counters")
    run_sql(NUMBER_SEQUENCES)
    op.execute(TRIGGER)
    definer_function(
        "take_numbers(kind text, n integer)",
        "TABLE(last_number bigint)",
        TAKE_NUMBERS,
        volatility="VOLATILE",
        rows=1,
    )
    op.drop_table("number_counters")


def downgrade() -> None:
    op.create_table(
        "number_counters",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.String(length=32), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_number_counters_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "sequence", name=op.f("pk_number_counters")),
    )
    enable_rls("number_counters")
    grant("number_counters", ("SELECT", "INSERT", "UPDATE"))
    _seeing_every_organization(BACK_TO_COUNTERS, "organizations", "number_counters")
    op.execute("DROP FUNCTION app.take_numbers(text, integer)")
    op.execute("DROP TRIGGER number_sequences ON organizations")
    op.execute("DROP FUNCTION app.number_sequences()")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA numbering REVOKE USAGE ON SEQUENCES"
        f" FROM {Role.DEFINER}"
    )
    op.execute("DROP SCHEMA numbering CASCADE")
