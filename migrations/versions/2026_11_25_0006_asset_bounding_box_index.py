"""asset bounding-box index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_assets_organization_id_latitude", "assets", ["organization_id", "latitude", "longitude"]
    )


def downgrade() -> None:
    op.drop_index("ix_assets_organization_id_latitude", table_name="assets")
