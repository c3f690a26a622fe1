"""sign-in protection: TOTP replay guard, pruning of expired credentials

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import AUDIT_NOISE, bump_version, definer_function, grant

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USERS_AUDIT_SKIP = ("password_hash", "mfa_secret_encrypted", "last_login_at")
PRUNED = ("user_sessions", "password_reset_tokens")
SIGNATURE = "organizations_with_expired_credentials(cutoff timestamptz)"
# Written by every sign-in: no edit of the account, so no new version (an admin's ETag holds).
SIGN_IN_BOOKKEEPING = ("last_login_at", "mfa_last_step")


def _audit_users(skip: tuple[str, ...]) -> None:
    skipped = ", ".join(f"'{column}'" for column in (*AUDIT_NOISE, *skip))
    op.execute("DROP TRIGGER audit_row ON users")
    op.execute(
        "CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON users"
        f" FOR EACH ROW EXECUTE FUNCTION app.audit_row({skipped})"
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))
    # Every sign-in with a code moves it: bookkeeping, like last_login_at, not an audited change.
    _audit_users((*USERS_AUDIT_SKIP, "mfa_last_step"))
    for table in PRUNED:
        grant(table, ("SELECT",), role=Role.DEFINER)
    # D4: the one cross-tenant read of the pruning job; it returns organization ids only.
    definer_function(
        SIGNATURE,
        "SETOF uuid",
        "SELECT s.organization_id FROM public.user_sessions s"
        " WHERE s.expires_at < cutoff OR s.revoked_at < cutoff"
        " UNION"
        " SELECT t.organization_id FROM public.password_reset_tokens t"
        " WHERE t.expires_at < cutoff OR t.used_at < cutoff",
    )
    op.execute("DROP TRIGGER bump_version ON users")
    bump_version("users", bookkeeping=SIGN_IN_BOOKKEEPING)


def downgrade() -> None:
    op.execute("DROP TRIGGER bump_version ON users")
    bump_version("users")
    op.execute("DROP FUNCTION app.organizations_with_expired_credentials(timestamptz)")
    for table in PRUNED:
        op.execute(f"REVOKE SELECT ON {table} FROM {Role.DEFINER}")
    _audit_users(USERS_AUDIT_SKIP)
    op.drop_column("users", "mfa_last_step")
