"""Declarative base and the column mixins every table is built from (SPEC section 2, D5)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, ForeignKeyConstraint, Integer, MetaData, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from uuid_utils.compat import uuid7

from maintainpro.core import context

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def new_id() -> UUID:
    """Time-ordered UUIDv7: index locality for inserts, and the partition key of work orders."""
    return uuid7()


def _actor() -> UUID | None:
    return context.current().user_id


class UUIDPrimaryKey:
    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-100)


class Audited:
    """created/updated timestamps (UTC, set by the server) and actors (from the request context)."""

    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), sort_order=90)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now(), sort_order=91
    )
    created_by: Mapped[UUID | None] = mapped_column(default=_actor, sort_order=92)
    updated_by: Mapped[UUID | None] = mapped_column(default=_actor, onupdate=_actor, sort_order=93)


class SoftDeleted:
    deleted_at: Mapped[datetime | None] = mapped_column(default=None, sort_order=94)


class Versioned:
    """Optimistic locking: a stale UPDATE raises StaleDataError, surfaced as 412 (D11)."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", sort_order=95)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version, "eager_defaults": True}  # type: ignore[attr-defined]  # __table__ exists once mapped


class TenantOwned:
    """`organization_id NOT NULL` plus `UNIQUE (organization_id, id)` so children can use
    two-column foreign keys that never cross a tenant (D5)."""

    organization_id: Mapped[UUID] = mapped_column(index=False, sort_order=-99)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[object, ...]:
        return tenant_table_args(cls.__tablename__)  # type: ignore[attr-defined]  # declared on every model


def tenant_fk(column: str, table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A two-column tenant foreign key `(organization_id, column) -> table` (D5)."""
    return ForeignKeyConstraint(
        ["organization_id", column],
        [f"{table}.organization_id", f"{table}.id"],
        ondelete=ondelete,
    )


def tenant_table_args(tablename: str, *extra: object) -> tuple[object, ...]:
    return (
        ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        UniqueConstraint("organization_id", "id"),
        *extra,
    )
