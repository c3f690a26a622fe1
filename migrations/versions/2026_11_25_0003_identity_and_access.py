"""identity and access: users, sites, sessions, credentials, throttles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from maintainpro.core.database import Role
from maintainpro.core.migration_ops import definer_function, enable_rls, grant, tenant_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_throttles")),
    )
    op.create_table(
        "grantable_roles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("granter_role", sa.String(length=32), nullable=False),
        sa.Column("grantee_role", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grantable_roles")),
    )
    op.create_index(
        "uq_grantable_roles_granter_grantee",
        "grantable_roles",
        ["granter_role", "grantee_role"],
        unique=True,
    )
    op.create_table(
        "rate_limit_windows",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_limit_windows")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("locale", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mfa_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("mfa_secret_encrypted", sa.String(length=255), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'manager', 'supervisor', 'technician', 'inventory_clerk',"
            " 'contractor', 'requester')",
            name=op.f("ck_users_role"),
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_users_organization_id_id")),
    )
    op.create_index(
        "ix_users_organization_id_role", "users", ["organization_id", "role"], unique=False
    )
    op.create_index(
        "uq_users_email_live",
        "users",
        ["email"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            name=op.f("fk_api_keys_organization_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_api_keys_organization_id_id")),
    )
    op.create_index(
        "ix_api_keys_organization_id_user_id",
        "api_keys",
        ["organization_id", "user_id"],
        unique=False,
    )
    op.create_index("uq_api_keys_digest", "api_keys", ["digest"], unique=True)
    op.create_table(
        "mfa_backup_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            name=op.f("fk_mfa_backup_codes_organization_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_mfa_backup_codes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_backup_codes")),
        sa.UniqueConstraint(
            "organization_id", "id", name=op.f("uq_mfa_backup_codes_organization_id_id")
        ),
    )
    op.create_index(
        "ix_mfa_backup_codes_organization_id_user_id",
        "mfa_backup_codes",
        ["organization_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            name=op.f("fk_password_reset_tokens_organization_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_password_reset_tokens_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint(
            "organization_id", "id", name=op.f("uq_password_reset_tokens_organization_id_id")
        ),
    )
    op.create_index(
        "ix_password_reset_tokens_organization_id_user_id",
        "password_reset_tokens",
        ["organization_id", "user_id"],
        unique=False,
    )
    op.create_index(
        "uq_password_reset_tokens_digest", "password_reset_tokens", ["digest"], unique=True
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_used_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            name=op.f("fk_user_sessions_organization_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_user_sessions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint(
            "organization_id", "id", name=op.f("uq_user_sessions_organization_id_id")
        ),
    )
    op.create_index(
        "ix_user_sessions_organization_id_user_id",
        "user_sessions",
        ["organization_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "user_sites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["locations.organization_id", "locations.id"],
            name=op.f("fk_user_sites_organization_id_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            name=op.f("fk_user_sites_organization_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_user_sites_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sites")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_user_sites_organization_id_id")),
    )
    op.create_index(
        "ix_user_sites_organization_id_location_id",
        "user_sites",
        ["organization_id", "location_id"],
        unique=False,
    )
    op.create_index(
        "uq_user_sites_user_id_location_id", "user_sites", ["user_id", "location_id"], unique=True
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "rotated_at", sa.DateTime(timezone=True), server_default=sa.text("NULL"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "session_id"],
            ["user_sessions.organization_id", "user_sessions.id"],
            name=op.f("fk_refresh_tokens_organization_id_session_id_user_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_refresh_tokens_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint(
            "organization_id", "id", name=op.f("uq_refresh_tokens_organization_id_id")
        ),
    )
    op.create_index(
        "ix_refresh_tokens_organization_id_session_id",
        "refresh_tokens",
        ["organization_id", "session_id"],
        unique=False,
    )
    op.create_index("uq_refresh_tokens_digest", "refresh_tokens", ["digest"], unique=True)
    op.add_column(
        "organizations",
        sa.Column(
            "branding",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "organizations",
        sa.Column(
            "feature_flags",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    _secure()


# Who may grant which role (D12): an admin grants any role, a manager any but admin.
ALL_ROLES = (
    "admin",
    "manager",
    "supervisor",
    "technician",
    "inventory_clerk",
    "contractor",
    "requester",
)
GRANTS = [("admin", r) for r in ALL_ROLES] + [("manager", r) for r in ALL_ROLES if r != "admin"]


def _secure() -> None:
    tenant_table("users", audit_skip=("password_hash", "mfa_secret_encrypted", "last_login_at"))
    tenant_table("user_sites")
    tenant_table("api_keys", audit_skip=("digest", "last_used_at"))
    tenant_table("user_sessions", audit_skip=("last_used_at",))
    # Credential material: tenant-isolated, never audited row by row (it would copy digests).
    for table in ("refresh_tokens", "password_reset_tokens", "mfa_backup_codes"):
        enable_rls(table)
        grant(table)
    # Reference and throttling tables hold no tenant data.
    grant("grantable_roles", ("SELECT",))
    grant("auth_throttles")
    grant("rate_limit_windows")
    grantable = sa.table(
        "grantable_roles",
        sa.column("id", sa.Uuid()),
        sa.column("granter_role"),
        sa.column("grantee_role"),
    )
    op.bulk_insert(
        grantable,
        [{"id": uuid.uuid4(), "granter_role": g, "grantee_role": r} for g, r in GRANTS],
    )
    # D4: login knows only an email; this returns the user's organization and nothing else.
    grant("users", ("SELECT",), role=Role.DEFINER)
    definer_function(
        "auth_resolve_login(login_email text)",
        "uuid",
        "SELECT organization_id FROM users WHERE email = lower(login_email) AND deleted_at IS NULL",
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION app.auth_resolve_login(text)")
    op.drop_column("organizations", "feature_flags")
    op.drop_column("organizations", "branding")
    op.drop_index("uq_refresh_tokens_digest", table_name="refresh_tokens")
    op.drop_index("ix_refresh_tokens_organization_id_session_id", table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("uq_user_sites_user_id_location_id", table_name="user_sites")
    op.drop_index("ix_user_sites_organization_id_location_id", table_name="user_sites")
    op.drop_table("user_sites")
    op.drop_index("ix_user_sessions_organization_id_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_index("uq_password_reset_tokens_digest", table_name="password_reset_tokens")
    op.drop_index(
        "ix_password_reset_tokens_organization_id_user_id", table_name="password_reset_tokens"
    )
    op.drop_table("password_reset_tokens")
    op.drop_index("ix_mfa_backup_codes_organization_id_user_id", table_name="mfa_backup_codes")
    op.drop_table("mfa_backup_codes")
    op.drop_index("uq_api_keys_digest", table_name="api_keys")
    op.drop_index("ix_api_keys_organization_id_user_id", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index(
        "uq_users_email_live", table_name="users", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.drop_index("ix_users_organization_id_role", table_name="users")
    op.drop_table("users")
    op.drop_table("rate_limit_windows")
    op.drop_index("uq_grantable_roles_granter_grantee", table_name="grantable_roles")
    op.drop_table("grantable_roles")
    op.drop_table("auth_throttles")
