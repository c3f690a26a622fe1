"""Reusable DDL for migrations: row-level security, grants and the audit trigger (D1, D3, D6).

Privileges are granted table by table, never through default privileges, so a partition created
later never inherits any (direct partition access would skip the parent's policy).
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op
from sqlalchemy import text

from maintainpro.core.database import Role

DML = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Columns that never enter an audit diff: bookkeeping that changes on every write.
AUDIT_NOISE = ("updated_at", "updated_by", "version")
# pg_temp last: a temporary object can never shadow what a definer function names (and every
# name inside a definer body is schema-qualified anyway).
DEFINER_SEARCH_PATH = "pg_catalog, public, pg_temp"


def run_sql(sql: str) -> None:
    """Raw SQL as written: function bodies use `:` and `%`, which must not read as parameters."""
    op.get_bind().exec_driver_sql(sql.replace("%", "%%"))


def enable_rls(table: str, *, key: str = "organization_id") -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table}"
        f" USING ({key} = app.current_org()) WITH CHECK ({key} = app.current_org())"
    )


def grant(table: str, privileges: Iterable[str] = DML, *, role: Role = Role.APP) -> None:
    op.execute(f"GRANT {', '.join(privileges)} ON {table} TO {role}")


def audit(table: str, *, skip: Iterable[str] = ()) -> None:
    skipped = ", ".join(f"'{column}'" for column in (*AUDIT_NOISE, *skip))
    op.execute(
        f"CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION app.audit_row({skipped})"
    )


def definer_function(
    signature: str,
    returns: str,
    body: str,
    *,
    volatility: str = "STABLE",
    replace: bool = False,
    search_path: str = DEFINER_SEARCH_PATH,
    rows: int | None = None,
) -> None:
    """A SQL function that runs as the BYPASSRLS definer role (D3, D4), callable by the app role
    only, with a fixed search_path; every name in `body` is schema-qualified. Its body must
    filter by tenant itself: by `app.current_org()`, or, for the few cross-tenant listings of
    D4, return nothing but ids. `tests/core/test_definers.py` executes each one."""
    qualified = f"app.{signature}"
    verb = "CREATE OR REPLACE" if replace else "CREATE"
    estimate = f" ROWS {rows}" if rows is not None else ""  # the planner's row estimate
    run_sql(
        f"{verb} FUNCTION {qualified} RETURNS {returns} LANGUAGE sql {volatility}{estimate}"
        f" SECURITY DEFINER SET search_path = {search_path} AS $fn$ {body} $fn$;"
        f" ALTER FUNCTION {qualified} OWNER TO {Role.DEFINER};"
        f" REVOKE ALL ON FUNCTION {qualified} FROM PUBLIC;"
        f" GRANT EXECUTE ON FUNCTION {qualified} TO {Role.APP};"
    )


GENERATED_COLUMNS = text(
    "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:table AS regclass)"
    " AND attgenerated <> '' AND NOT attisdropped ORDER BY attnum"
)


def bump_version(table: str, *, bookkeeping: Iterable[str] = ()) -> None:
    """A bulk UPDATE (one that does not set `version` itself) that modifies a row bumps its
    `version`, so its ETag changes; the ORM's own increment is left alone. Generated columns
    are not computed yet in a BEFORE trigger, so they are left out of the comparison, and so
    are `bookkeeping` columns whose change is no edit of the record (a sign-in time)."""
    generated = op.get_bind().execute(GENERATED_COLUMNS, {"table": table}).scalars()
    arguments = ", ".join(f"'{column}'" for column in (*generated, *bookkeeping))
    op.execute(
        f"CREATE TRIGGER bump_version BEFORE UPDATE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION app.bump_version({arguments})"
    )


def tenant_table(table: str, *, audit_skip: Iterable[str] = ()) -> None:
    """The standard treatment of a tenant-owned, audited table."""
    enable_rls(table)
    grant(table)
    audit(table, skip=audit_skip)
