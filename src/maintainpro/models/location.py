from __future__ import annotations

from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, String, Text, text
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

LOCATION_KINDS = ("site", "building", "area", "storeroom", "other")


class Location(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """Site -> building -> area hierarchy inside an organization; storerooms are locations."""

    __tablename__ = "locations"
    __table_args__ = tenant_table_args(
        "locations",
        ForeignKeyConstraint(
            ["organization_id", "parent_id"],
            ["locations.organization_id", "locations.id"],
            # NO ACTION (checked at statement end): a live child blocks deleting its parent,
            # while a tenant purge can still cascade through the whole tree.
        ),
        CheckConstraint(f"kind IN {LOCATION_KINDS}", name="kind"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        # Sites are the roots; everything else hangs below one (D12 scopes users by site).
        CheckConstraint("(kind = 'site') = (parent_id IS NULL)", name="site_is_root"),
        CheckConstraint("kind <> 'site' OR site_id = id", name="site_is_own_site"),
        ForeignKeyConstraint(
            ["organization_id", "site_id"], ["locations.organization_id", "locations.id"]
        ),
        Index("ix_locations_organization_id_site_id", "organization_id", "site_id"),
        Index(
            "uq_locations_organization_id_code_live",
            "organization_id",
            "code",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_locations_organization_id_parent_id", "organization_id", "parent_id"),
    )

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[UUID | None]
    # The site at the root of this location's tree, kept by the service on create and move.
    site_id: Mapped[UUID]
    description: Mapped[str | None] = mapped_column(Text)
