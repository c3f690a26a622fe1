"""assets, vendors and contractors, with full-text search and geo indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:00:13.585580
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from maintainpro.core import geo
from maintainpro.core.database import Role
from maintainpro.core.migration_ops import definer_function, grant, tenant_table

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column(
            "services",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("latitude", sa.Float(precision=53), nullable=True),
        sa.Column("longitude", sa.Float(precision=53), nullable=True),
        sa.Column(
            "contacts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
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
            "jsonb_typeof(contacts) = 'array'", name=op.f("ck_vendors_contacts_array")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'blocked')", name=op.f("ck_vendors_status")
        ),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_vendors_position_complete")
        ),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_vendors_latitude_range")),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_vendors_longitude_range")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_vendors_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_vendors_organization_id_id")),
    )
    op.create_index(
        "ix_vendors_organization_id_name",
        "vendors",
        ["organization_id", "name", "id"],
        unique=False,
    )
    op.create_index(
        "ix_vendors_organization_id_status",
        "vendors",
        ["organization_id", "status", "id"],
        unique=False,
    )
    op.create_index(
        "uq_vendors_organization_id_code_live",
        "vendors",
        ["organization_id", "code"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND code IS NOT NULL"),
    )
    op.create_table(
        "assets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("manufacturer", sa.String(length=100), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("criticality", sa.String(length=16), server_default="medium", nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("site_id", sa.Uuid(), nullable=True),
        sa.Column("latitude", sa.Float(precision=53), nullable=True),
        sa.Column("longitude", sa.Float(precision=53), nullable=True),
        sa.Column("purchase_cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("replacement_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("install_date", sa.Date(), nullable=True),
        sa.Column("warranty_expires_on", sa.Date(), nullable=True),
        sa.Column(
            "specifications",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("label_code", sa.String(length=64), nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                (
                    "setweight(to_tsvector('simple', coalesce(code, '') || ' ' || coalesce("
                    "name, '')), 'A') || setweight(to_tsvector('simple', coalesce(category,"
                    " '') || ' ' || coalesce(manufacturer, '') || ' ' || coalesce(model, ''"
                    ") || ' ' || coalesce(serial_number, '')), 'B') || setweight(to_tsvecto"
                    "r('english', coalesce(description, '')), 'C')"
                ),
                persisted=True,
            ),
            nullable=False,
        ),
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
            "criticality IN ('low', 'medium', 'high', 'critical')",
            name=op.f("ck_assets_criticality"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(specifications) = 'object'", name=op.f("ck_assets_specifications_object")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'in_maintenance', 'retired', 'disposed')",
            name=op.f("ck_assets_status"),
        ),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_assets_position_complete")
        ),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_assets_latitude_range")),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_assets_longitude_range")
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_assets_not_own_parent")
        ),
        sa.CheckConstraint("purchase_cost >= 0", name=op.f("ck_assets_purchase_cost_positive")),
        sa.CheckConstraint(
            "replacement_value >= 0", name=op.f("ck_assets_replacement_value_positive")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["locations.organization_id", "locations.id"],
            name=op.f("fk_assets_organization_id_location_id_locations"),
            ondelete="SET NULL (location_id)",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "parent_id"],
            ["assets.organization_id", "assets.id"],
            name=op.f("fk_assets_organization_id_parent_id_assets"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "site_id"],
            ["locations.organization_id", "locations.id"],
            name=op.f("fk_assets_organization_id_site_id_locations"),
            ondelete="SET NULL (site_id)",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_assets_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_assets_organization_id_id")),
    )
    op.create_index(
        "ix_assets_organization_id_category",
        "assets",
        ["organization_id", "category", "id"],
        unique=False,
    )
    op.create_index(
        "ix_assets_organization_id_criticality",
        "assets",
        ["organization_id", "criticality", "id"],
        unique=False,
    )
    op.create_index(
        "ix_assets_organization_id_location_id",
        "assets",
        ["organization_id", "location_id"],
        unique=False,
    )
    op.create_index(
        "ix_assets_organization_id_name", "assets", ["organization_id", "name", "id"], unique=False
    )
    op.create_index(
        "ix_assets_organization_id_parent_id",
        "assets",
        ["organization_id", "parent_id"],
        unique=False,
    )
    op.create_index(
        "ix_assets_organization_id_search",
        "assets",
        ["organization_id", "search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_assets_organization_id_site_id", "assets", ["organization_id", "site_id"], unique=False
    )
    op.create_index(
        "ix_assets_organization_id_status",
        "assets",
        ["organization_id", "status", "id"],
        unique=False,
    )
    op.create_index(
        "ix_assets_organization_id_warranty_expires_on",
        "assets",
        ["organization_id", "warranty_expires_on"],
        unique=False,
    )
    op.create_index(
        "uq_assets_organization_id_code_live",
        "assets",
        ["organization_id", "code"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_assets_organization_id_label_code_live",
        "assets",
        ["organization_id", "label_code"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "contractors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "trades",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("vendor_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("latitude", sa.Float(precision=53), nullable=True),
        sa.Column("longitude", sa.Float(precision=53), nullable=True),
        sa.Column(
            "contacts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
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
            "jsonb_typeof(contacts) = 'array'", name=op.f("ck_contractors_contacts_array")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'blocked')", name=op.f("ck_contractors_status")
        ),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)",
            name=op.f("ck_contractors_position_complete"),
        ),
        sa.CheckConstraint(
            "latitude BETWEEN -90 AND 90", name=op.f("ck_contractors_latitude_range")
        ),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_contractors_longitude_range")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            name=op.f("fk_contractors_organization_id_user_id_users"),
            ondelete="SET NULL (user_id)",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "vendor_id"],
            ["vendors.organization_id", "vendors.id"],
            name=op.f("fk_contractors_organization_id_vendor_id_vendors"),
            ondelete="SET NULL (vendor_id)",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_contractors_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractors")),
        sa.UniqueConstraint(
            "organization_id", "id", name=op.f("uq_contractors_organization_id_id")
        ),
    )
    op.create_index(
        "ix_contractors_organization_id_name",
        "contractors",
        ["organization_id", "name", "id"],
        unique=False,
    )
    op.create_index(
        "ix_contractors_organization_id_status",
        "contractors",
        ["organization_id", "status", "id"],
        unique=False,
    )
    op.create_index(
        "uq_contractors_user_id_live",
        "contractors",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND user_id IS NOT NULL"),
    )
    _secure_and_index()


PARTNERS = ("vendors", "contractors")
GEO_TABLES = ("assets", *PARTNERS)


def _secure_and_index() -> None:
    tenant_table("assets", audit_skip=("search_vector",))
    for table in PARTNERS:
        tenant_table(table)
    for table in GEO_TABLES:
        grant(table, ("SELECT",), role=Role.DEFINER)
    geo.create_point_functions(geo.has_postgis(op.get_bind()))
    for table in GEO_TABLES:
        geo.create_geo_index(table)
        geo.create_nearby_function(table)
    # D3: full-text `@@` is not LEAKPROOF, so it runs here, filtering the tenant itself.
    definer_function(
        "search_assets(query text, max_rows int)",
        "TABLE(id uuid, rank real)",
        "SELECT a.id, ts_rank(a.search_vector, q) AS rank FROM public.assets a,"
        " (SELECT websearch_to_tsquery('simple', query) || websearch_to_tsquery('english', query)"
        " AS q) query_terms"
        " WHERE a.organization_id = app.current_org() AND a.deleted_at IS NULL"
        " AND a.search_vector @@ q ORDER BY rank DESC, a.id LIMIT max_rows",
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION app.search_assets(text, int)")
    for table in GEO_TABLES:
        op.execute(f"DROP FUNCTION app.nearby_{table}(float8, float8, float8, int)")
        op.execute(f"DROP INDEX ix_{table}_geo_position")
    op.execute("DROP FUNCTION app.geo_distance_m")
    op.execute("DROP FUNCTION app.geo_point(float8, float8)")
    op.drop_index(
        "uq_contractors_user_id_live",
        table_name="contractors",
        postgresql_where=sa.text("deleted_at IS NULL AND user_id IS NOT NULL"),
    )
    op.drop_index("ix_contractors_organization_id_status", table_name="contractors")
    op.drop_index("ix_contractors_organization_id_name", table_name="contractors")
    op.drop_table("contractors")
    op.drop_index(
        "uq_assets_organization_id_label_code_live",
        table_name="assets",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index(
        "uq_assets_organization_id_code_live",
        table_name="assets",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_assets_organization_id_warranty_expires_on", table_name="assets")
    op.drop_index("ix_assets_organization_id_status", table_name="assets")
    op.drop_index("ix_assets_organization_id_site_id", table_name="assets")
    op.drop_index("ix_assets_organization_id_search", table_name="assets", postgresql_using="gin")
    op.drop_index("ix_assets_organization_id_parent_id", table_name="assets")
    op.drop_index("ix_assets_organization_id_name", table_name="assets")
    op.drop_index("ix_assets_organization_id_location_id", table_name="assets")
    op.drop_index("ix_assets_organization_id_criticality", table_name="assets")
    op.drop_index("ix_assets_organization_id_category", table_name="assets")
    op.drop_table("assets")
    op.drop_index(
        "uq_vendors_organization_id_code_live",
        table_name="vendors",
        postgresql_where=sa.text("deleted_at IS NULL AND code IS NOT NULL"),
    )
    op.drop_index("ix_vendors_organization_id_status", table_name="vendors")
    op.drop_index("ix_vendors_organization_id_name", table_name="vendors")
    op.drop_table("vendors")
