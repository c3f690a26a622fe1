from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import CheckConstraint, Float, ForeignKeyConstraint, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.asset import position_checks
from maintainpro.models.base import (
    Audited,
    Base,
    SoftDeleted,
    TenantOwned,
    UUIDPrimaryKey,
    Versioned,
    tenant_table_args,
)

PARTNER_STATUSES = ("active", "inactive", "blocked")


class _Partner(UUIDPrimaryKey, TenantOwned, Audited, SoftDeleted, Versioned):
    """Company data shared by vendors and contractors."""

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default="active", default="active")
    latitude: Mapped[float | None] = mapped_column(Float(53))
    longitude: Mapped[float | None] = mapped_column(Float(53))
    # [{name, role, email, phone}] - people to call; validated by the API schema.
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb"), default=list
    )
    notes: Mapped[str | None] = mapped_column(Text)


def _partner_args(table: str, *extra: object) -> tuple[object, ...]:
    return tenant_table_args(
        table,
        CheckConstraint(f"status IN {PARTNER_STATUSES}", name="status"),
        CheckConstraint("jsonb_typeof(contacts) = 'array'", name="contacts_array"),
        *position_checks(table),
        Index(f"ix_{table}_organization_id_name", "organization_id", "name", "id"),
        Index(f"ix_{table}_organization_id_status", "organization_id", "status", "id"),
        *extra,
    )


class Vendor(_Partner, Base):
    """A company parts and services are bought from (C5)."""

    __tablename__ = "vendors"
    __table_args__ = _partner_args(
        "vendors",
        Index(
            "uq_vendors_organization_id_code_live",
            "organization_id",
            "code",
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND code IS NOT NULL"),
        ),
    )

    code: Mapped[str | None] = mapped_column(String(64))
    services: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), server_default=text("'{}'"), default=list
    )


class Contractor(_Partner, Base):
    """An external firm or person doing maintenance work; may be linked to a user with the
    contractor role, who then signs in and works the orders assigned to them (C5)."""

    __tablename__ = "contractors"
    __table_args__ = _partner_args(
        "contractors",
        ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["users.organization_id", "users.id"],
            ondelete="SET NULL (user_id)",
        ),
        ForeignKeyConstraint(
            ["organization_id", "vendor_id"],
            ["vendors.organization_id", "vendors.id"],
            ondelete="SET NULL (vendor_id)",
        ),
        Index(
            "uq_contractors_user_id_live",
            "user_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND user_id IS NOT NULL"),
        ),
    )

    trades: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), server_default=text("'{}'"), default=list
    )
    user_id: Mapped[UUID | None]
    vendor_id: Mapped[UUID | None]
