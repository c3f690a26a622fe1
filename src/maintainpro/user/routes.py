"""/api/v1/users: administration of the organization's users."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page
from maintainpro.user import service as user_service
from maintainpro.user.schemas import UserCreate, UserFilter, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])

CanRead = Annotated[Authorized, Depends(permission(Resource.USER, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.USER, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.USER, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.USER, Action.DELETE))]


@router.get("")
async def list_users(
    auth: CanRead, session: DbSession, query: Annotated[UserFilter, Query()]
) -> Page[UserRead]:
    return await user_service.list_users(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserRead)
async def create_user(
    body: UserCreate,
    auth: CanCreate,
    session: DbSession,
    settings: AppSettings,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> UserRead | Response:
    async def create() -> UserRead:
        user = await user_service.create_user(session, settings.auth, auth, body)
        return await user_service.read(session, user)

    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /users",
        idempotency_key,
        body,
        response,
        create,
    )


@router.get("/{user_id}")
async def get_user(
    user_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> UserRead:
    user = await user_service.get_user(session, auth, user_id)
    set_etag(response, user.version)
    return await user_service.read(session, user)


@router.patch("/{user_id}")
async def update_user(
    user_id: UUID,
    body: UserUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    user = await user_service.update_user(
        session, auth, user_id, body, version=expected_version(if_match)
    )
    set_etag(response, user.version)
    return await user_service.read(session, user)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def deactivate_user(user_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await user_service.deactivate_user(session, auth, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
