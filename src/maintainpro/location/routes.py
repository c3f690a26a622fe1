"""/api/v1/locations: the site -> building -> area tree."""

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
from maintainpro.core.pagination import Page
from maintainpro.location import repository
from maintainpro.location import service as location_service
from maintainpro.location.schemas import (
    LocationCreate,
    LocationFilter,
    LocationNode,
    LocationRead,
    LocationUpdate,
)

router = APIRouter(prefix="/locations", tags=["locations"])

CanRead = Annotated[Authorized, Depends(permission(Resource.LOCATION, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.LOCATION, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.LOCATION, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.LOCATION, Action.DELETE))]


@router.get("")
async def list_locations(
    auth: CanRead, session: DbSession, query: Annotated[LocationFilter, Query()]
) -> Page[LocationRead]:
    return await location_service.list_locations(session, auth, query)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=LocationRead)
async def create_location(
    body: LocationCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> LocationRead | Response:
    async def create() -> LocationRead:
        return LocationRead.model_validate(await location_service.create(session, auth, body))

    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /locations",
        idempotency_key,
        body,
        response,
        create,
    )


@router.get("/{location_id}")
async def get_location(
    location_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> LocationRead:
    location = await location_service.get(session, auth, location_id)
    set_etag(response, location.version)
    return LocationRead.model_validate(location)


@router.get("/{location_id}/subtree")
async def get_subtree(location_id: UUID, auth: CanRead, session: DbSession) -> list[LocationNode]:
    root = await location_service.get(session, auth, location_id)
    nodes = await repository.subtree(session, auth, root)
    return [
        LocationNode.model_validate(
            {**LocationRead.model_validate(node).model_dump(by_alias=False), "depth": depth}
        )
        for node, depth in nodes
    ]


@router.get("/{location_id}/ancestors")
async def get_ancestors(location_id: UUID, auth: CanRead, session: DbSession) -> list[LocationRead]:
    location = await location_service.get(session, auth, location_id)
    chain = await repository.ancestors(session, auth, location)
    return [LocationRead.model_validate(node) for node in chain]


@router.patch("/{location_id}")
async def update_location(
    location_id: UUID,
    body: LocationUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> LocationRead:
    location = await location_service.update(
        session, auth, location_id, body, version=expected_version(if_match)
    )
    set_etag(response, location.version)
    return LocationRead.model_validate(location)


@router.delete("/{location_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_location(location_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await location_service.delete(session, auth, location_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
