"""/api/v1/pm-schedules and /api/v1/pm-forecast (C6)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import select

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.deps import DbSession
from maintainpro.core.errors import Conflict, FieldError, PermissionDenied
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.pagination import Page
from maintainpro.models import PmOccurrence
from maintainpro.pm import forecast, generate, service
from maintainpro.pm.schemas import (
    Forecast,
    ForecastQuery,
    OccurrenceRead,
    RunResult,
    ScheduleCreate,
    ScheduleFilter,
    ScheduleRead,
    ScheduleUpdate,
)

router = APIRouter(tags=["preventive maintenance"])
SCHEDULES = "/pm-schedules"

CanRead = Annotated[Authorized, Depends(permission(Resource.PM_SCHEDULE, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.PM_SCHEDULE, Action.CREATE))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.PM_SCHEDULE, Action.UPDATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.PM_SCHEDULE, Action.DELETE))]


def _shown(schedule: ScheduleRead, response: Response) -> ScheduleRead:
    set_etag(response, schedule.version)
    return schedule


@router.get(SCHEDULES)
async def list_schedules(
    auth: CanRead, session: DbSession, query: Annotated[ScheduleFilter, Query()]
) -> Page[ScheduleRead]:
    return await service.list_schedules(session, auth, query)


@router.post(SCHEDULES, status_code=status.HTTP_201_CREATED, response_model=ScheduleRead)
async def create_schedule(
    body: ScheduleCreate,
    auth: CanCreate,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ScheduleRead | Response:
    """A schedule from a template for assets of one site; its first occurrence is due as its
    trigger says (`nextDueAt`, or a meter mark in `meterDueTotal`)."""
    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /pm-schedules",
        idempotency_key,
        body,
        response,
        lambda: service.create(session, auth, body),
    )


@router.get(SCHEDULES + "/{schedule_id}")
async def get_schedule(
    schedule_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> ScheduleRead:
    schedule = await service.get(session, auth, schedule_id)
    return _shown((await service.read_many(session, [schedule]))[0], response)


@router.patch(SCHEDULES + "/{schedule_id}")
async def update_schedule(
    schedule_id: UUID,
    body: ScheduleUpdate,
    auth: CanUpdate,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleRead:
    """Changes the keys sent (`paused` pauses and resumes); `If-Match` guards the edit."""
    updated = await service.update(
        session, auth, schedule_id, body, version=expected_version(if_match)
    )
    return _shown(updated, response)


@router.delete(SCHEDULES + "/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_schedule(schedule_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    await service.remove(session, auth, schedule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(SCHEDULES + "/{schedule_id}/occurrences")
async def list_occurrences(
    schedule_id: UUID, auth: CanRead, session: DbSession
) -> list[OccurrenceRead]:
    """What the schedule generated, newest first (at most 200)."""
    schedule = await service.get(session, auth, schedule_id)
    rows = await session.scalars(
        select(PmOccurrence)
        .where(
            PmOccurrence.organization_id == schedule.organization_id,
            PmOccurrence.schedule_id == schedule.id,
        )
        .order_by(PmOccurrence.due_at.desc(), PmOccurrence.id.desc())
        .limit(200)
    )
    return [OccurrenceRead.model_validate(row) for row in rows]


@router.post(SCHEDULES + "/{schedule_id}/run-due")
async def run_due(schedule_id: UUID, auth: CanUpdate, session: DbSession) -> RunResult:
    """Admins: generate now what is due on this schedule (what the scheduler would do on its
    next pass); nothing twice."""
    schedule = await service.get(session, auth, schedule_id, lock=True)
    if auth.principal.role != "admin":
        raise PermissionDenied("Only admins run a schedule by hand.")
    if schedule.paused_at is not None:
        message = "A paused schedule generates nothing; resume it first."
        raise Conflict(message, [FieldError("paused", message, "paused")])
    made = await generate.run_schedule(session, schedule, datetime.now(UTC))
    return RunResult(occurrences=made)


@router.get("/pm-forecast")
async def pm_forecast(
    auth: CanRead, session: DbSession, query: Annotated[ForecastQuery, Query()]
) -> Forecast:
    """Occurrences and estimated hours from `from` (now) to `to` (a year on), per schedule and
    in total per month, site and craft."""
    return await forecast.forecast(session, auth, query)
