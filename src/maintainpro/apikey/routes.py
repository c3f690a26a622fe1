"""/api/v1/api-keys: integration credentials of the caller (or, for admins, the organization)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.apikey import service as apikey_service
from maintainpro.apikey.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core.deps import DbSession
from maintainpro.core.pagination import Page, PageQuery

router = APIRouter(prefix="/api-keys", tags=["api-keys"])

CanRead = Annotated[Authorized, Depends(permission(Resource.API_KEY, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.API_KEY, Action.CREATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.API_KEY, Action.DELETE))]


@router.get("")
async def list_api_keys(
    auth: CanRead, session: DbSession, query: Annotated[PageQuery, Query()]
) -> Page[ApiKeyRead]:
    return await apikey_service.list_keys(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    body: ApiKeyCreate, auth: CanCreate, session: DbSession, response: Response
) -> ApiKeyCreated:
    key, token = await apikey_service.create(session, auth, body)
    response.headers["Cache-Control"] = "no-store"  # the body carries the secret
    return ApiKeyCreated.issued(key, token)


@router.get("/{key_id}")
async def get_api_key(key_id: UUID, auth: CanRead, session: DbSession) -> ApiKeyRead:
    return ApiKeyRead.model_validate(await apikey_service.get(session, auth, key_id))


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(key_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await apikey_service.revoke(session, auth, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
