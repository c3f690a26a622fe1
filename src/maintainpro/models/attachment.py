"""Files attached to work orders, comments, requests, checklist items and assets (C3)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from maintainpro.models.base import (
    Audited,
    Base,
    SoftDeleted,
    TenantOwned,
    UUIDPrimaryKey,
    tenant_table_args,
)

PARENT_TYPES = ("work_order", "comment", "request", "checklist_item", "asset")


class Attachment(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted):
    """One stored file's metadata; the bytes live in the storage backend under `storage_key`.

    The parent is polymorphic (`parent_type`, `parent_id`), so the database cannot hold a
    foreign key to it: the service checks the parent exists and is visible to the caller, on
    upload and on every download. Immutable once written (no version): a new file is a new
    attachment."""

    __tablename__ = "attachments"
    __table_args__ = tenant_table_args(
        "attachments",
        CheckConstraint(f"parent_type IN {PARENT_TYPES}", name="parent_type"),
        CheckConstraint("size_bytes >= 0", name="size_bytes_positive"),
        # Rows may share a file (bytes are immutable): a request's photos carried over to the
        # work order its approval creates. The sweep asks which keys a tenant's rows name.
        Index("ix_attachments_organization_id_storage_key", "organization_id", "storage_key"),
        # The files of one parent, oldest first (keyset on id), live only.
        Index(
            "ix_attachments_organization_id_parent",
            "organization_id",
            "parent_type",
            "parent_id",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    parent_type: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[UUID]
    file_name: Mapped[str] = mapped_column(String(255))
    # Sniffed from the bytes, never the client's claim.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)

    @property
    def has_thumbnail(self) -> bool:
        return self.thumbnail_key is not None
