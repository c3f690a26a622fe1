"""/api/v1/meters and /api/v1/meter-readings: meters on assets and their readings."""

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
from maintainpro.core.retry import IDEMPOTENT
from maintainpro.meter import ingest, readings
from maintainpro.meter import service as meter_service
from maintainpro.meter.schemas import (
    BatchResult,
    BulkReadings,
    MeterCreate,
    MeterFilter,
    MeterRead,
    MeterUpdate,
    ReadingFilter,
    ReadingIn,
    ReadingRead,
    SeriesPoint,
    SeriesQuery,
)

router = APIRouter(tags=["meters"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.READ))]
CanManage = Annotated[Authorized, Depends(permission(Resource.ASSET, Action.UPDATE))]
CanReadReadings = Annotated[Authorized, Depends(permission(Resource.METER_READING, Action.READ))]
CanRecord = Annotated[Authorized, Depends(permission(Resource.METER_READING, Action.CREATE))]


@router.get("/meters")
async def list_meters(
    auth: CanRead, session: DbSession, query: Annotated[MeterFilter, Query()]
) -> Page[MeterRead]:
    return await meter_service.list_meters(session, auth, query)


@router.post("/meters", status_code=status.HTTP_201_CREATED, response_model=MeterRead)
async def create_meter(
    body: MeterCreate,
    auth: CanManage,
    session: DbSession,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MeterRead | Response:
    async def create() -> MeterRead:
        return MeterRead.model_validate(await meter_service.create(session, auth, body))

    return await idempotency.create_once(
        session,
        auth.principal,
        "POST /meters",
        idempotency_key,
        body,
        response,
        create,
    )


@router.get("/meters/{meter_id}")
async def get_meter(
    meter_id: UUID, auth: CanRead, session: DbSession, response: Response
) -> MeterRead:
    meter = await meter_service.get(session, auth, meter_id)
    set_etag(response, meter.version)
    return MeterRead.model_validate(meter)


@router.patch("/meters/{meter_id}")
async def update_meter(
    meter_id: UUID,
    body: MeterUpdate,
    auth: CanManage,
    session: DbSession,
    response: Response,
    if_match: IfMatch = None,
) -> MeterRead:
    meter = await meter_service.update(
        session, auth, meter_id, body, version=expected_version(if_match)
    )
    set_etag(response, meter.version)
    return MeterRead.model_validate(meter)


@router.delete("/meters/{meter_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_meter(meter_id: UUID, auth: CanManage, session: DbSession) -> Response:
    await meter_service.delete(session, auth, meter_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/meters/{meter_id}/readings", status_code=status.HTTP_201_CREATED)
async def record_reading(
    meter_id: UUID, body: ReadingIn, auth: CanRecord, session: DbSession
) -> BatchResult:
    """One reading; a duplicate or a resend with another value is 409, a rejected value 422,
    with the reason."""
    return await ingest.record_one(session, auth, meter_id, body)


@router.post("/meter-readings/bulk", openapi_extra=IDEMPOTENT)
async def ingest_readings(body: BulkReadings, auth: CanRecord, session: DbSession) -> BatchResult:
    """Up to 5,000 readings across meters; answered item by item (`stored`, `duplicate`,
    `conflict`, `rejected` with a code and reason). Resending a batch stores nothing twice."""
    return await ingest.ingest(session, auth, body.readings)


@router.get("/meters/{meter_id}/readings")
async def list_readings(
    meter_id: UUID,
    auth: CanReadReadings,
    session: DbSession,
    query: Annotated[ReadingFilter, Query()],
) -> Page[ReadingRead]:
    meter = await meter_service.get(session, auth, meter_id)
    return await readings.page(session, meter, query)


@router.get("/meters/{meter_id}/readings/series")
async def reading_series(
    meter_id: UUID,
    auth: CanReadReadings,
    session: DbSession,
    query: Annotated[SeriesQuery, Query()],
) -> dict[str, list[SeriesPoint]]:
    """Bucket averages (with min, max and count) for charts."""
    meter = await meter_service.get(session, auth, meter_id)
    return {"items": await readings.series(session, meter, query)}
