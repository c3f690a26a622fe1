"""open work by id: the overdue list reads a page, not every overdue work order (C3)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_work_orders_organization_id_open_id_due_sort"


def upgrade() -> None:
    # On the partitioned table, so on each partition; built in the migration's transaction
    # (writes to work_orders wait while it builds), like the indexes of revision 0024.
    op.create_index(
        INDEX,
        "work_orders",
        ["organization_id", "id", "due_sort"],
        unique=False,
        postgresql_where=sa.text(
            "deleted_at IS NULL AND status IN ('new', 'assigned', 'in_progress', 'on_hold')"
        ),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="work_orders")
