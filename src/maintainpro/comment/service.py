"""Comments on work orders: threaded replies, mentions, author-only edits, soft delete.

Every operation first checks the caller can see the work order (`work_order.service.read` with
the caller's comment read scope, which mirrors its work order read scope): an invisible work
order and its comments answer 404."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Float, Select, Uuid, bindparam, column, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Action, Resource, Scope
from maintainpro.auth.principal import Authorized
from maintainpro.comment.schemas import CommentCreate, CommentFilter, CommentRead, CommentUpdate
from maintainpro.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page, decode_position, split_page
from maintainpro.models import Comment, CommentMention
from maintainpro.models.base import new_id
from maintainpro.outbox import service as outbox
from maintainpro.work_order import service as work_orders
from maintainpro.work_order.schemas import WorkOrderRead

MENTION_IDS = func.array(
    select(CommentMention.user_id)
    .where(
        CommentMention.organization_id == Comment.organization_id,
        CommentMention.comment_id == Comment.id,
    )
    .order_by(CommentMention.user_id)
    .correlate(Comment)
    .scalar_subquery()
).label("mention_ids")
READ_COLUMNS = (*(c for c in Comment.__table__.c if c.key != "search_vector"), MENTION_IDS)
NEWEST = Keyset(Comment.id, Comment.id, UUID, descending=True)  # UUIDv7: creation order

_USERS = text(
    "SELECT id FROM users WHERE organization_id = :org AND id = ANY(CAST(:ids AS uuid[]))"
    " AND deleted_at IS NULL"
)


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


def _viewer(auth: Authorized) -> Authorized:
    """The caller as a reader of work orders, whatever the action the route checked."""
    scope = auth.principal.scope(Resource.COMMENT, Action.READ)
    if scope is None:
        raise NotFound("No such work order.")
    return Authorized(auth.principal, scope)


async def work_order(session: AsyncSession, auth: Authorized, work_order_id: UUID) -> WorkOrderRead:
    """The work order if the caller may read it (and so its comments); 404 otherwise."""
    return await work_orders.read(session, _viewer(auth), work_order_id)


def _live(organization_id: UUID, work_order_id: UUID) -> Select[Any]:
    return select(*READ_COLUMNS).where(
        Comment.organization_id == organization_id,
        Comment.work_order_id == work_order_id,
        Comment.deleted_at.is_(None),
    )


async def _read(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID, comment_id: UUID
) -> CommentRead:
    statement = _live(organization_id, work_order_id).where(Comment.id == comment_id)
    row = (await session.execute(statement)).first()
    if row is None:
        raise NotFound("No such comment.")
    return CommentRead.model_validate(row._asdict())


async def read(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, comment_id: UUID
) -> CommentRead:
    found = await work_order(session, auth, work_order_id)
    return await _read(session, found.organization_id, found.id, comment_id)


async def _check_mentions(
    session: AsyncSession, organization_id: UUID, ids: Sequence[UUID]
) -> None:
    if not ids:
        return
    known = set(
        (await session.execute(_USERS, {"org": organization_id, "ids": list(ids)})).scalars()
    )
    problems = [
        FieldError(f"mentionIds[{n}]", "No such user.", "not_found")
        for n, user_id in enumerate(ids)
        if user_id not in known
    ]
    if problems:
        raise ValidationFailed("A mentioned user does not exist.", problems)


async def _replace_mentions(
    session: AsyncSession, organization_id: UUID, comment_id: UUID, ids: Sequence[UUID]
) -> None:
    wanted = list(dict.fromkeys(ids))
    await session.execute(
        delete(CommentMention).where(
            CommentMention.organization_id == organization_id,
            CommentMention.comment_id == comment_id,
            CommentMention.user_id.not_in(wanted),
        )
    )
    if wanted:
        await session.execute(
            text(
                "INSERT INTO comment_mentions (id, organization_id, comment_id, user_id)"
                " SELECT app.uuidv7(), :org, :id, u FROM unnest(CAST(:ids AS uuid[])) AS u"
                " ON CONFLICT (comment_id, user_id) DO NOTHING"
            ),
            {"org": organization_id, "id": comment_id, "ids": wanted},
        )


async def create(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, data: CommentCreate
) -> CommentRead:
    found = await work_order(session, auth, work_order_id)
    org = found.organization_id
    if data.parent_id is not None:
        parent = _live(org, found.id).where(Comment.id == data.parent_id)
        if (await session.execute(parent)).first() is None:
            raise _invalid("parentId", "No such comment on this work order.", "not_found")
    await _check_mentions(session, org, data.mention_ids)
    me = auth.principal.user_id
    comment = Comment(
        id=new_id(),
        organization_id=org,
        work_order_id=found.id,
        parent_id=data.parent_id,
        author_id=me,
        body=data.body,
    )
    session.add(comment)
    await session.flush()
    await _replace_mentions(session, org, comment.id, data.mention_ids)
    mentioned = [str(user_id) for user_id in dict.fromkeys(data.mention_ids)]
    await outbox.emit(
        session,
        event_type="work_order.comment_added",
        entity_type="work_order",
        entity_id=found.id,
        payload={"number": found.number, "commentId": str(comment.id), "mentionIds": mentioned},
    )
    return await _read(session, org, found.id, comment.id)


async def _own(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, comment_id: UUID, verb: str
) -> Comment:
    """The live comment locked for a change; only its author changes it, unless the caller's
    scope for the action is wider than OWN (a supervisor deleting)."""
    found = await work_order(session, auth, work_order_id)
    comment = await session.scalar(
        select(Comment)
        .where(
            Comment.organization_id == found.organization_id,
            Comment.work_order_id == found.id,
            Comment.id == comment_id,
            Comment.deleted_at.is_(None),
        )
        .with_for_update()
    )
    if comment is None:
        raise NotFound("No such comment.")
    if auth.scope is Scope.OWN and comment.author_id != auth.principal.user_id:
        raise PermissionDenied(f"Only the author of a comment may {verb} it.")
    return comment


async def update(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    comment_id: UUID,
    data: CommentUpdate,
    *,
    version: int | None,
) -> CommentRead:
    comment = await _own(session, auth, work_order_id, comment_id, "edit")
    check_version(version, comment.version, what="comment")
    org = comment.organization_id
    if data.mention_ids is not None:
        await _check_mentions(session, org, data.mention_ids)
        await _replace_mentions(session, org, comment.id, data.mention_ids)
    if data.body is not None and data.body != comment.body:
        comment.body = data.body
        comment.edited_at = datetime.now(UTC)
    # Any change, the mentions included, is a new version of the comment.
    comment.updated_at = datetime.now(UTC)
    await session.flush()
    return await _read(session, org, comment.work_order_id, comment.id)


async def delete_comment(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, comment_id: UUID
) -> None:
    """Soft delete: the comment leaves every list; its replies stay."""
    comment = await _own(session, auth, work_order_id, comment_id, "delete")
    comment.deleted_at = datetime.now(UTC)
    await session.flush()


async def list_comments(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, query: CommentFilter
) -> Page[CommentRead]:
    found = await work_order(session, auth, work_order_id)
    statement = _live(found.organization_id, found.id)
    if query.parent_id is not None:
        statement = statement.where(Comment.parent_id == query.parent_id)
    if query.top_level:
        statement = statement.where(Comment.parent_id.is_(None))
    if query.q:
        return await _search(session, found.id, statement, query)
    rows = (await session.execute(NEWEST.page(statement, query.cursor, query.limit))).all()
    page, next_cursor = NEWEST.split(rows, query.limit)
    return Page(
        items=[CommentRead.model_validate(r._asdict()) for r in page], next_cursor=next_cursor
    )


async def _search(
    session: AsyncSession, work_order_id: UUID, statement: Select[Any], query: CommentFilter
) -> Page[CommentRead]:
    """Best matches first, then id; the definer function ranks and applies the cursor."""
    assert query.q is not None
    rank, last_id = decode_position(query.cursor, float) if query.cursor else (None, None)
    matches = (
        func.app.search_comments(
            bindparam("query", query.q),
            bindparam("work_order", work_order_id, type_=Uuid),
            bindparam("after_rank", rank, type_=Float),
            bindparam("after_id", last_id, type_=Uuid),
        )
        .table_valued(column("id", Uuid), column("rank", Float))
        .alias("matches")
    )
    ranked = (
        statement.add_columns(matches.c.rank)
        .join(matches, matches.c.id == Comment.id)
        .order_by(matches.c.rank.desc(), matches.c.id)
        .limit(query.limit + 1)
    )
    rows = (await session.execute(ranked)).all()
    page, next_cursor = split_page(rows, query.limit, lambda row: (repr(row.rank), row.id))
    items = [CommentRead.model_validate(row._asdict()) for row in page]
    return Page(items=items, next_cursor=next_cursor)
