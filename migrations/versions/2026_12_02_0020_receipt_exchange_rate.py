"""receipt exchange rate: the rate a delivery in another currency entered stock at

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every receipt before this revision entered stock at its order's price as it was: rate 1.
    op.add_column(
        "purchase_order_receipts",
        sa.Column(
            "exchange_rate",
            sa.Numeric(precision=18, scale=8),
            server_default="1",
            nullable=False,
        ),
    )
    op.create_check_constraint(
        "exchange_rate_positive", "purchase_order_receipts", "exchange_rate > 0"
    )


def downgrade() -> None:
    op.drop_column("purchase_order_receipts", "exchange_rate")
