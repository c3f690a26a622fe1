"""Downtime of assets: events under /assets/{id}/downtime, each at /downtime/{id}, and the
availability they imply. Part of the asset resource: reading needs asset READ, writing UPDATE."""

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
from maintainpro.downtime import service as downtime_service
from maintainpro.downtime.schemas import (
    AvailabilityQuery,
    AvailabilityRead,
    DowntimeCreate,
    DowntimeFilter,
    DowntimeRead,
    DowntimeUpdate,
)
from maintainpro.models import DowntimeEvent

router = APIRouter(tags=["downtime"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.READ))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.UPDATE))]


def _read(event: DowntimeEvent, response: Response) -> DowntimeRead:
    set_etag(response, event.version)
    return DowntimeRead.model_validate(event)


@router.post(
    "/assets/{asset_id}/downtime", status_code=status.HTTP_201_CREATED, response_model=DowntimeRead
)
async def create_downtime(
    asset_id: UUID,
    body: DowntimeCreate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> DowntimeRead | Response:
    async def create() -> DowntimeRead:
        return _read(await downtime_service.create(session, auth, asset_id, body), response)

    return await idempotency.create_once(
        session,
        auth.principal,
        f"POST /assets/{asset_id}/downtime",
        idempotency_key,
        body,
        response,
        create,
    )


@router.get("/assets/{asset_id}/downtime")
async def list_downtime(
    asset_id: UUID, auth: CanRead, session: DbSession, query: Annotated[DowntimeFilter, Query()]
) -> Page[DowntimeRead]:
    return await downtime_service.list_events(session, auth, asset_id, query)


@router.get("/assets/{asset_id}/availability")
async def get_availability(
    asset_id: UUID,
    auth: CanRead,
    session: DbSession,
    query: Annotated[AvailabilityQuery, Query()],
) -> AvailabilityRead:
    return await downtime_service.availability(session, auth, asset_id, query)


@router.get("/downtime/{event_id}")
async def get_downtime(
    event_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> DowntimeRead:
    return _read(await downtime_service.get(session, auth, event_id), response)


@router.patch("/downtime/{event_id}")
async def update_downtime(
    event_id: UUID,
    body: DowntimeUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> DowntimeRead:
    event = await downtime_service.update_event(
        session, auth, event_id, body, version=expected_version(if_match)
    )
    return _read(event, response)


@router.delete("/downtime/{event_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_downtime(event_id: UUID, auth: CanUpdate, session: DbSession) -> Response:
    await downtime_service.delete(session, auth, event_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
