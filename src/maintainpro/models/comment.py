"""Comments on work orders (C3): threaded replies, mentions, soft delete, full-text search."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Computed,
    ForeignKeyConstraint,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
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
from maintainpro.models.work_order import _fk, _nullable_fk

# Stemmed words weigh most; the unstemmed tokens (part numbers, tags, names) match exactly.
COMMENT_SEARCH = (
    "setweight(to_tsvector('english', coalesce(body, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(body, '')), 'B')"
)
MAX_BODY = 10_000


class Comment(UUIDPrimaryKey, TenantOwned, Base, Audited, SoftDeleted, Versioned):
    """A comment on a work order; a reply names its parent, a comment of the same work order
    (the three-column foreign key makes a reply to another work order's comment impossible)."""

    __tablename__ = "comments"
    __table_args__ = tenant_table_args(
        "comments",
        _fk("work_order_id", "work_orders", ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["organization_id", "work_order_id", "parent_id"],
            ["comments.organization_id", "comments.work_order_id", "comments.id"],
            ondelete="CASCADE",
        ),
        _nullable_fk("author_id", "users"),
        # The target of replies' foreign key, and the list of a work order's comments, newest
        # first (keyset on id).
        UniqueConstraint("organization_id", "work_order_id", "id"),
        Index(
            "ix_comments_organization_id_parent_id",
            "organization_id",
            "parent_id",
            "id",
            postgresql_where=text("parent_id IS NOT NULL"),
        ),
        Index(
            "ix_comments_organization_id_search",
            "organization_id",
            "search_vector",
            postgresql_using="gin",
        ),
    )

    work_order_id: Mapped[UUID]
    parent_id: Mapped[UUID | None]
    author_id: Mapped[UUID | None]
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime | None]
    search_vector: Mapped[str] = mapped_column(TSVECTOR, Computed(COMMENT_SEARCH, persisted=True))


class CommentMention(UUIDPrimaryKey, TenantOwned, Base):
    """A user a comment mentions (a notification later reads these)."""

    __tablename__ = "comment_mentions"
    __table_args__ = tenant_table_args(
        "comment_mentions",
        _fk("comment_id", "comments", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("comment_id", "user_id"),
        # "where was I mentioned", newest first.
        Index(
            "ix_comment_mentions_organization_id_user_id",
            "organization_id",
            "user_id",
            "comment_id",
        ),
    )

    comment_id: Mapped[UUID]
    user_id: Mapped[UUID]
