"""Labor on work orders (C3): `/work-orders/{id}/labor` entries and the caller's timer at
`/labor/timer`. Part of the work order resource: reading needs work order READ, recording
time UPDATE on that work order."""

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
from maintainpro.core.pagination import PageQuery
from maintainpro.labor import service, timers
from maintainpro.labor.schemas import (
    LaborCreate,
    LaborEntryRead,
    LaborPage,
    LaborUpdate,
    TimerStart,
)
from maintainpro.models import LaborEntry

router = APIRouter(tags=["labor"])

CanRead = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.READ))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.WORK_ORDER, Action.UPDATE))]
ENTRIES = "/work-orders/{work_order_id}/labor"
ENTRY = ENTRIES + "/{entry_id}"


def _read(entry: LaborEntry, response: Response) -> LaborEntryRead:
    set_etag(response, entry.version)
    return LaborEntryRead.model_validate(entry)


@router.get(
    "/labor/timer",
    response_model=LaborEntryRead,
    responses={204: {"description": "No timer of yours is running."}},
)
async def get_timer(
    auth: CanRead, session: DbSession, response: Response
) -> LaborEntryRead | Response:
    """The caller's running timer, or 204 when none runs."""
    entry = await timers.current(session, auth)
    if entry is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _read(entry, response)


@router.post("/labor/timer/start", status_code=status.HTTP_201_CREATED)
async def start_timer(
    body: TimerStart, auth: CanUpdate, session: DbSession, response: Response
) -> LaborEntryRead:
    """Starts the caller's timer on a work order they may work on. With a timer already
    running: a 409 whose `runningTimer` names it, unless `switch` stops it first."""
    return _read(await timers.start(session, auth, body), response)


@router.post("/labor/timer/stop")
async def stop_timer(auth: CanUpdate, session: DbSession, response: Response) -> LaborEntryRead:
    """Stops the caller's running timer (409 when none runs) and returns the finished entry."""
    return _read(await timers.stop(session, auth), response)


@router.get(ENTRIES)
async def list_labor(
    work_order_id: UUID, auth: CanRead, session: DbSession, query: Annotated[PageQuery, Query()]
) -> LaborPage:
    """Entries oldest first, and each person's totals."""
    return await service.list_entries(session, auth, work_order_id, query)


@router.post(ENTRIES, status_code=status.HTTP_201_CREATED, response_model=LaborEntryRead)
async def create_labor(
    work_order_id: UUID,
    body: LaborCreate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> LaborEntryRead | Response:
    async def create() -> LaborEntryRead:
        return _read(await service.create(session, auth, work_order_id, body), response)

    route = f"POST /work-orders/{work_order_id}/labor"
    return await idempotency.create_once(
        session, auth.principal, route, idempotency_key, body, response, create
    )


@router.get(ENTRY)
async def get_labor(
    work_order_id: UUID, entry_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> LaborEntryRead:
    entry = await service.get(session, auth, work_order_id, entry_id, lock=False)
    return _read(entry, response)


@router.patch(ENTRY)
async def update_labor(
    work_order_id: UUID,
    entry_id: UUID,
    body: LaborUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> LaborEntryRead:
    """Your own entries; supervisors and above anyone's."""
    entry = await service.update(
        session, auth, work_order_id, entry_id, body, version=expected_version(if_match)
    )
    return _read(entry, response)


@router.delete(ENTRY, status_code=status.HTTP_204_NO_CONTENT)
async def delete_labor(
    work_order_id: UUID, entry_id: UUID, auth: CanUpdate, session: DbSession
) -> Response:
    """Your own entries; supervisors and above anyone's."""
    await service.delete(session, auth, work_order_id, entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
