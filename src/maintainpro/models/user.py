from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import (
    Audited,
    Base,
    SoftDeleted,
    TenantOwned,
    UUIDPrimaryKey,
    Versioned,
    tenant_fk,
    tenant_table_args,
)

ROLES = (
    "admin",
    "manager",
    "supervisor",
    "technician",
    "inventory_clerk",
    "contractor",
    "requester",
)
# Roles whose reach is limited to the sites listed in user_sites (D12).
SITE_BOUND_ROLES = frozenset({"supervisor", "technician", "inventory_clerk", "contractor"})


class User(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A person of one organization (v1), with one role. Email is unique installation-wide."""

    __tablename__ = "users"
    __table_args__ = tenant_table_args(
        "users",
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        Index(
            "uq_users_email_live", "email", unique=True, postgresql_where=text("deleted_at IS NULL")
        ),
        Index("ix_users_organization_id_role", "organization_id", "role"),
        tenant_fk("craft_id", "crafts", ondelete="SET NULL (craft_id)"),
        CheckConstraint("hourly_rate >= 0", name="hourly_rate_positive"),
    )

    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    locale: Mapped[str] = mapped_column(String(16), server_default="en", default="en")
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    mfa_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    # The last TOTP time step accepted: a code is good once (auth/mfa.py).
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # What an hour of this person's labor costs; without one, their craft's rate applies.
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    craft_id: Mapped[UUID | None]


class UserSite(UUIDPrimaryKey, TenantOwned, Base):
    """The sites a site-bound user may work in."""

    __tablename__ = "user_sites"
    __table_args__ = tenant_table_args(
        "user_sites",
        ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["locations.organization_id", "locations.id"],
            ondelete="CASCADE",
        ),
        Index("uq_user_sites_user_id_location_id", "user_id", "location_id", unique=True),
        Index("ix_user_sites_organization_id_location_id", "organization_id", "location_id"),
    )

    user_id: Mapped[UUID]
    location_id: Mapped[UUID]


class GrantableRole(UUIDPrimaryKey, Base):
    """Which role may grant which role (D12): reference data, the same for every organization."""

    __tablename__ = "grantable_roles"
    __table_args__ = (
        Index("uq_grantable_roles_granter_grantee", "granter_role", "grantee_role", unique=True),
    )

    granter_role: Mapped[str] = mapped_column(String(32))
    grantee_role: Mapped[str] = mapped_column(String(32))
