"""Meters on assets (C4). A meter is visible where its asset is."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.asset import repository as asset_repository
from maintainpro.asset import service as asset_service
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Page, rows_by_id
from maintainpro.meter.schemas import MeterCreate, MeterFilter, MeterRead, MeterUpdate
from maintainpro.models import Asset, Meter

DUPLICATE = "The asset already has a live meter with this name."


def visible(auth: Authorized) -> Select[Meter]:
    assets = asset_repository.visible(auth).with_only_columns(Asset.id)
    return select(Meter).where(
        Meter.organization_id == auth.principal.organization_id,
        Meter.deleted_at.is_(None),
        Meter.asset_id.in_(assets),
    )


async def get(session: AsyncSession, auth: Authorized, meter_id: UUID) -> Meter:
    meter = await session.scalar(visible(auth).where(Meter.id == meter_id))
    if meter is None:
        raise NotFound("No such meter.")
    return meter


async def list_meters(
    session: AsyncSession, auth: Authorized, query: MeterFilter
) -> Page[MeterRead]:
    statement = visible(auth)
    if query.asset_id is not None:
        statement = statement.where(Meter.asset_id == query.asset_id)
    rows, next_cursor = await rows_by_id(session, statement, Meter.id, query)
    return Page(items=[MeterRead.model_validate(row) for row in rows], next_cursor=next_cursor)


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(DUPLICATE, [FieldError("name", DUPLICATE, "duplicate")]) from exc


def _check_rollover(kind: str, rollover_value: float | None) -> None:
    if rollover_value is not None and kind != "counter":
        message = "Only counters roll over."
        raise ValidationFailed(message, [FieldError("rolloverValue", message, "invalid")])


async def create(session: AsyncSession, auth: Authorized, data: MeterCreate) -> Meter:
    try:
        asset = await asset_service.get(session, auth, data.asset_id)
    except NotFound as exc:
        raise ValidationFailed(
            "The asset does not exist.", [FieldError("assetId", "Unknown asset.", "unknown")]
        ) from exc
    _check_rollover(data.kind, data.rollover_value)
    meter = Meter(organization_id=asset.organization_id, **data.model_dump())
    session.add(meter)
    await _flush(session)
    return meter


async def update(
    session: AsyncSession,
    auth: Authorized,
    meter_id: UUID,
    data: MeterUpdate,
    *,
    version: int | None,
) -> Meter:
    meter = await get(session, auth, meter_id)
    check_version(version, meter.version, what="meter")
    changes = data.model_dump(exclude_unset=True)
    _check_rollover(meter.kind, changes.get("rollover_value"))
    for name, value in changes.items():
        if value is None and name != "rollover_value":
            raise ValidationFailed(
                "A value is required.", [FieldError(name, "Cannot be null.", "null")]
            )
        setattr(meter, name, value)
    await _flush(session)
    return meter


async def delete(session: AsyncSession, auth: Authorized, meter_id: UUID) -> None:
    meter = await get(session, auth, meter_id)
    meter.deleted_at = datetime.now(UTC)
    await session.flush()
