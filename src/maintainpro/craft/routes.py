"""/api/v1/crafts: the organization's trades and their hourly rates (managers and admins)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.deps import DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page, PageQuery
from maintainpro.craft import service
from maintainpro.craft.schemas import CraftCreate, CraftRead, CraftUpdate
from maintainpro.models import Craft

router = APIRouter(prefix="/crafts", tags=["crafts"])

CanRead = Annotated[Authorized, Depends(permission(Resource.CRAFT, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.CRAFT, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.CRAFT, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.CRAFT, Action.DELETE))]
CREATE_ROUTE = "POST /crafts"


def _read(craft: Craft, response: Response) -> CraftRead:
    set_etag(response, craft.version)
    return CraftRead.model_validate(craft)


@router.get("")
async def list_crafts(
    auth: CanRead, session: DbSession, query: Annotated[PageQuery, Query()]
) -> Page[CraftRead]:
    rows, next_cursor = await service.list_crafts(session, auth, query)
    return Page(items=[CraftRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CraftRead)
async def create_craft(
    body: CraftCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CraftRead | Response:
    async def create() -> CraftRead:
        return _read(await service.create(session, auth, body), response)

    return await idempotency.create_once(
        session, auth.principal, CREATE_ROUTE, idempotency_key, body, response, create
    )


@router.get("/{craft_id}")
async def get_craft(
    craft_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> CraftRead:
    return _read(await service.get(session, auth, craft_id), response)


@router.patch("/{craft_id}")
async def update_craft(
    craft_id: UUID,
    body: CraftUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> CraftRead:
    craft = await service.update_craft(
        session, auth, craft_id, body, version=expected_version(if_match)
    )
    return _read(craft, response)


@router.delete("/{craft_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_craft(craft_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await service.delete(session, auth, craft_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
