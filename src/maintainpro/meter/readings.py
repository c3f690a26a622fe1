"""Reading queries: newest first with keyset cursors, and bucket aggregates for charts in the
organization's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core.pagination import Keyset, Page, aware_datetime
from maintainpro.meter.schemas import (
    BUCKETS,
    LOCAL_UNITS,
    ReadingFilter,
    ReadingRead,
    SeriesPoint,
    SeriesQuery,
)
from maintainpro.models import Meter, MeterReading, Organization

NEWEST_FIRST = Keyset(MeterReading.measured_at, MeterReading.id, aware_datetime, descending=True)
EPOCH = datetime.fromisoformat("2000-01-03T00:00:00+00:00")  # origin of the sub-hour buckets


def page_statement(meter: Meter, query: ReadingFilter) -> Select[MeterReading]:
    """One page of a meter's readings: newest first, keyset over (measured_at, id)."""
    statement = select(MeterReading).where(
        MeterReading.organization_id == meter.organization_id, MeterReading.meter_id == meter.id
    )
    if query.since is not None:
        statement = statement.where(MeterReading.measured_at >= query.since)
    if query.until is not None:
        statement = statement.where(MeterReading.measured_at < query.until)
    return NEWEST_FIRST.page(statement, query.cursor, query.limit)


async def page(session: AsyncSession, meter: Meter, query: ReadingFilter) -> Page[ReadingRead]:
    rows = list(await session.scalars(page_statement(meter, query)))
    shown, next_cursor = NEWEST_FIRST.split(rows, query.limit)
    return Page(items=[ReadingRead.model_validate(row) for row in shown], next_cursor=next_cursor)


def _bucket(bucket: str, zone: str) -> ColumnElement[datetime]:
    """Sub-hour buckets are the same everywhere (every zone is offset by whole quarter hours);
    hours, days, weeks (from Monday) and months start at the organization's local midnight."""
    unit = LOCAL_UNITS.get(bucket)
    if unit is None:
        seconds = int(BUCKETS[bucket].total_seconds())
        width: ColumnElement[timedelta] = literal_column(f"interval '{seconds} seconds'")
        return func.date_bin(width, MeterReading.measured_at, EPOCH)
    return func.date_trunc(literal_column(f"'{unit}'"), MeterReading.measured_at, zone)


async def series(session: AsyncSession, meter: Meter, query: SeriesQuery) -> list[SeriesPoint]:
    zone = await session.scalar(
        select(Organization.timezone).where(Organization.id == meter.organization_id)
    )
    by_start: ColumnElement[datetime] = literal_column("bucket_start")
    rows = await session.execute(
        select(
            _bucket(query.bucket, zone or "UTC").label("bucket_start"),
            func.count(),
            func.avg(MeterReading.value),
            func.min(MeterReading.value),
            func.max(MeterReading.value),
        )
        .where(
            MeterReading.organization_id == meter.organization_id,
            MeterReading.meter_id == meter.id,
            MeterReading.measured_at >= query.since,
            MeterReading.measured_at < query.until,
        )
        .group_by(by_start)
        .order_by(by_start)
    )
    return [
        SeriesPoint(
            bucket_start=start, count=count, avg=float(avg), min=float(low), max=float(high)
        )
        for start, count, avg, low, high in rows
    ]
