from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Date,
    FetchedValue,
    Float,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import (
    Audited,
    Base,
    SoftDeleted,
    TenantOwned,
    UUIDPrimaryKey,
    Versioned,
    tenant_table_args,
)

ASSET_STATUSES = ("active", "inactive", "in_maintenance", "retired", "disposed")
CRITICALITIES = ("low", "medium", "high", "critical")

# Codes and names weigh most, then the make and kind, then the free text (SPEC section 2).
ASSET_SEARCH = (
    "setweight(to_tsvector('simple', coalesce(code, '') || ' ' || coalesce(name, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(category, '') || ' '"
    " || coalesce(manufacturer, '') || ' ' || coalesce(model, '') || ' '"
    " || coalesce(serial_number, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(description, '')), 'C')"
)


def position_checks(table: str) -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position_complete"),
    )


class Asset(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """Equipment maintenance is done on; a hierarchy of any depth (C4)."""

    __tablename__ = "assets"
    __table_args__ = tenant_table_args(
        "assets",
        ForeignKeyConstraint(
            ["organization_id", "parent_id"], ["assets.organization_id", "assets.id"]
        ),
        ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["locations.organization_id", "locations.id"],
            ondelete="SET NULL (location_id)",
        ),
        ForeignKeyConstraint(
            ["organization_id", "site_id"],
            ["locations.organization_id", "locations.id"],
            ondelete="SET NULL (site_id)",
        ),
        CheckConstraint(f"status IN {ASSET_STATUSES}", name="status"),
        CheckConstraint(f"criticality IN {CRITICALITIES}", name="criticality"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("purchase_cost >= 0", name="purchase_cost_positive"),
        CheckConstraint("replacement_value >= 0", name="replacement_value_positive"),
        CheckConstraint("jsonb_typeof(specifications) = 'object'", name="specifications_object"),
        *position_checks("assets"),
        Index(
            "uq_assets_organization_id_code_live",
            "organization_id",
            "code",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(
            "uq_assets_organization_id_label_code_live",
            "organization_id",
            "label_code",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_assets_organization_id_parent_id", "organization_id", "parent_id"),
        Index("ix_assets_organization_id_location_id", "organization_id", "location_id"),
        Index("ix_assets_organization_id_site_id", "organization_id", "site_id"),
        Index("ix_assets_organization_id_status", "organization_id", "status", "id"),
        Index("ix_assets_organization_id_criticality", "organization_id", "criticality", "id"),
        Index("ix_assets_organization_id_category", "organization_id", "category", "id"),
        Index(
            "ix_assets_organization_id_warranty_expires_on",
            "organization_id",
            "warranty_expires_on",
        ),
        Index("ix_assets_organization_id_name", "organization_id", "name", "id"),
        # The bounding-box filter: float8 comparisons are LEAKPROOF, so RLS keeps this usable.
        Index("ix_assets_organization_id_latitude", "organization_id", "latitude", "longitude"),
        Index(
            "ix_assets_organization_id_search",
            "organization_id",
            "search_vector",
            postgresql_using="gin",
        ),
    )

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    manufacturer: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), server_default="active", default="active")
    criticality: Mapped[str] = mapped_column(String(16), server_default="medium", default="medium")
    parent_id: Mapped[UUID | None]
    location_id: Mapped[UUID | None]
    # The site of the asset's location, kept by the service: site-bound roles filter on it.
    # The database derives it on every write (revision 0008); the flush reads it back.
    site_id: Mapped[UUID | None] = mapped_column(
        server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    latitude: Mapped[float | None] = mapped_column(Float(53))
    longitude: Mapped[float | None] = mapped_column(Float(53))
    purchase_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    replacement_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    install_date: Mapped[date | None] = mapped_column(Date)
    warranty_expires_on: Mapped[date | None] = mapped_column(Date)
    specifications: Mapped[dict[str, Any]] = mapped_column(
        JSONB, server_default=text("'{}'::jsonb"), default=dict
    )
    label_code: Mapped[str] = mapped_column(String(64))
    search_vector: Mapped[str] = mapped_column(TSVECTOR, Computed(ASSET_SEARCH, persisted=True))
