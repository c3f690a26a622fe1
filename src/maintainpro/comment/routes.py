"""/api/v1/work-orders/{id}/comments: the conversation on a work order (C3)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.comment import service
from maintainpro.comment.schemas import CommentCreate, CommentFilter, CommentRead, CommentUpdate
from maintainpro.core import idempotency
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page

router = APIRouter(prefix="/work-orders/{work_order_id}/comments", tags=["comments"])

CanRead = Annotated[Authorized, Depends(permission(Resource.COMMENT, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.COMMENT, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.COMMENT, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.COMMENT, Action.DELETE))]


@router.get("")
async def list_comments(
    work_order_id: UUID,
    auth: CanRead,
    session: DbSession,
    query: Annotated[CommentFilter, Query()],
) -> Page[CommentRead]:
    """Newest first (or best matches first with `q`); `parentId` lists one comment's replies."""
    return await service.list_comments(session, auth, work_order_id, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CommentRead)
async def create_comment(
    work_order_id: UUID,
    body: CommentCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CommentRead | Response:
    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /work-orders/{work_order_id}/comments",  # a key names one create on one work order
        idempotency_key,
        body,
        response,
        lambda: service.create(session, auth, work_order_id, body),
    )


@router.get("/{comment_id}")
async def get_comment(
    work_order_id: UUID, comment_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> CommentRead:
    comment = await service.read(session, auth, work_order_id, comment_id)
    set_etag(response, comment.version)
    return comment


@router.patch("/{comment_id}")
async def update_comment(
    work_order_id: UUID,
    comment_id: UUID,
    body: CommentUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> CommentRead:
    """Its author only."""
    comment = await service.update(
        session, auth, work_order_id, comment_id, body, version=expected_version(if_match)
    )
    set_etag(response, comment.version)
    return comment


@router.delete("/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_comment(
    work_order_id: UUID, comment_id: UUID, auth: CanDelete, session: DbSession
) -> Response:
    """Its author, or a supervisor and above (within their scope)."""
    await service.delete_comment(session, auth, work_order_id, comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
