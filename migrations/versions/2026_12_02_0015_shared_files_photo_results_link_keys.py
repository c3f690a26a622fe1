"""attachment rows may share a stored file (a request's photos carried over to its work
order); a checklist photo result is a foreign key to its attachment; a work order's asset and
assignee links are unique by tenant first; the audit trail names a partitioned table by its
own name, not its partition's; an index for the follow-up foreign key of checklist items;
ranked search ranks at most 10,000 candidates

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from maintainpro.core.migration_ops import DEFINER_SEARCH_PATH, run_sql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDITED_DELETE = ("attachments", "activity_logs")
# (table, linked column): the unique key becomes (organization_id, work_order_id, column), so
# the read of a work order's links uses it by both leading columns; with one tenant holding
# half the rows, the planner otherwise picked (organization_id, column, work_order_id) and
# walked that tenant's whole range per work order.
LINKS = (("work_order_assets", "asset_id"), ("work_order_assignees", "user_id"))
# A row trigger on a partitioned table runs with TG_TABLE_NAME set to the partition
# (`work_orders_p2026_q1`); the audit trail names the table clients filter by.
PARTITION_SUFFIX = "_p[0-9]{4}_(q[1-4]|[0-9]{2})$"
PARENT_NAME = f"pg_catalog.regexp_replace(TG_TABLE_NAME, '{PARTITION_SUFFIX}', '')"
TABLE_NAME = "TG_TABLE_NAME, (row_data ->> 'id')::uuid"
AUDIT_DEFINITION = sa.text("SELECT pg_get_functiondef('app.audit_row()'::regprocedure)")
FOLLOW_UP_INDEX = "ix_checklist_items_organization_id_follow_up_work_order_id"
# Ranked search (assets, work orders) ranks at most this many of the caller's matches: a term
# in every row otherwise ranked them all (130 ms per page at 50,000 assets; no answer within
# 10 s at 500,000 work orders). Fewer matches are ranked exactly as before.
RANKED_AT_MOST = 10_000
SEARCHES = {
    "assets": "search_assets(query text, site_ids uuid[], after_rank float8, after_id uuid)",
    "work_orders": (
        "search_work_orders(query text, site_ids uuid[], after_rank float8, after_id uuid)"
    ),
}


TERMS = (
    "(pg_catalog.websearch_to_tsquery('simple', $1) OPERATOR(pg_catalog.||)"
    " pg_catalog.websearch_to_tsquery('english', $1))"
)


def _search(table: str, cap: int | None) -> str:
    """The search as dynamic SQL: the tenant a literal and the terms a one-shot parameter, so
    each call is planned with the tenant's own share of the rows and the terms' own frequency.
    Planned once with `app.current_org()` and an unknown query, every tenant was costed as the
    average one: a large tenant's GIN scan then read all its rows (126,000 per quarter at
    500,000 work orders) and tested the terms on each."""
    limit = f" LIMIT {cap}" if cap else ""
    return f"""
BEGIN
  RETURN QUERY EXECUTE pg_catalog.format($q$
    SELECT m.id, m.rank FROM (
      SELECT c.id, pg_catalog.ts_rank(c.search_vector, {TERMS})::float8 AS rank
      FROM (SELECT t.id, t.search_vector FROM public.{table} t
            WHERE t.organization_id = %L AND t.deleted_at IS NULL
              AND ($2 IS NULL OR t.site_id = ANY ($2))
              AND t.search_vector OPERATOR(pg_catalog.@@) {TERMS}{limit}) c
    ) m
    WHERE $3 IS NULL OR m.rank < $3 OR (m.rank = $3 AND m.id > $4)
  $q$, app.current_org()) USING query, site_ids, after_rank, after_id;
END
"""


def _searches(cap: int | None) -> None:
    for table, signature in SEARCHES.items():
        qualified = f"app.{signature}"
        run_sql(
            f"CREATE OR REPLACE FUNCTION {qualified} RETURNS TABLE(id uuid, rank float8)"
            f" LANGUAGE plpgsql STABLE ROWS 100 SECURITY DEFINER"
            f" SET search_path = {DEFINER_SEARCH_PATH} AS $fn$ {_search(table, cap)} $fn$"
        )


PHOTO_FK = "fk_checklist_items_organization_id_result_attachment_id_attachments"


def _audit_row(old: str, new: str) -> None:
    """Rewrites `app.audit_row` with `old` replaced by `new`."""
    definition = op.get_bind().execute(AUDIT_DEFINITION).scalar_one()
    assert old in definition, "app.audit_row is not the function this revision expects"
    run_sql(definition.replace(old, new))


def upgrade() -> None:
    _searches(RANKED_AT_MOST)
    _audit_row(TABLE_NAME, TABLE_NAME.replace("TG_TABLE_NAME", PARENT_NAME))
    # The entries written so far, every tenant's: the owner steps out of forced row security.
    op.execute("ALTER TABLE activity_logs NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "UPDATE activity_logs"
        f" SET entity_type = regexp_replace(entity_type, '{PARTITION_SUFFIX}', '')"
        f" WHERE entity_type ~ '{PARTITION_SUFFIX}'"
    )
    op.execute("ALTER TABLE activity_logs FORCE ROW LEVEL SECURITY")
    op.create_index(
        FOLLOW_UP_INDEX,
        "checklist_items",
        ["organization_id", "follow_up_work_order_id"],
        postgresql_where=sa.text("follow_up_work_order_id IS NOT NULL"),
    )
    for table, column in LINKS:
        op.drop_constraint(op.f(f"uq_{table}_work_order_id_{column}"), table, type_="unique")
        op.create_unique_constraint(
            op.f(f"uq_{table}_organization_id_work_order_id_{column}"),
            table,
            ["organization_id", "work_order_id", column],
        )
    op.drop_index("uq_attachments_storage_key", table_name="attachments")
    op.create_index(
        "ix_attachments_organization_id_storage_key",
        "attachments",
        ["organization_id", "storage_key"],
    )
    # NOT VALID: results recorded before this revision were not checked and may name no row;
    # every new or changed result is. `ALTER TABLE checklist_items VALIDATE CONSTRAINT ...`
    # once those are cleared.
    op.create_foreign_key(
        op.f(PHOTO_FK),
        "checklist_items",
        "attachments",
        ["organization_id", "result_attachment_id"],
        ["organization_id", "id"],
        ondelete="SET NULL (result_attachment_id)",
        postgresql_not_valid=True,
    )


def downgrade() -> None:
    _searches(None)  # every match ranked again
    op.drop_index(
        FOLLOW_UP_INDEX,
        table_name="checklist_items",
        postgresql_where=sa.text("follow_up_work_order_id IS NOT NULL"),
    )
    # The entries keep their table names; new ones name the partition again.
    _audit_row(TABLE_NAME.replace("TG_TABLE_NAME", PARENT_NAME), TABLE_NAME)
    op.drop_constraint(op.f(PHOTO_FK), "checklist_items", type_="foreignkey")
    op.drop_index("ix_attachments_organization_id_storage_key", table_name="attachments")
    # One row per file again: the copies (newer rows on a file) go. Every tenant's rows, and
    # their audit entries, so the owner steps out of forced row security for this statement.
    for table in AUDITED_DELETE:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "DELETE FROM attachments a USING attachments b"
        " WHERE a.storage_key = b.storage_key AND a.id > b.id"
    )
    for table in AUDITED_DELETE:
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.create_index("uq_attachments_storage_key", "attachments", ["storage_key"], unique=True)
    for table, column in LINKS:
        op.drop_constraint(
            op.f(f"uq_{table}_organization_id_work_order_id_{column}"), table, type_="unique"
        )
        op.create_unique_constraint(
            op.f(f"uq_{table}_work_order_id_{column}"), table, ["work_order_id", column]
        )
