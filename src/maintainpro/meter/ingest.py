"""Meter reading ingestion (C4): one reading or thousands from an IoT gateway in one call.

Idempotent (a reading resent with the same meter, time and source is stored once), tolerant of
out-of-order times (a counter is checked against both neighbours), and answered item by item.
Audited per batch, not per row (D6).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.auth.principal import Authorized
from maintainpro.core import context
from maintainpro.meter import service as meter_service
from maintainpro.meter.schemas import BatchResult, BulkReadingIn, ItemResult
from maintainpro.models import ActivityLog, Meter, MeterReading

FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_AGE = timedelta(days=5 * 366)  # older readings would each open a partition of their own

_INSERT = text(
    """
    INSERT INTO meter_readings (organization_id, meter_id, measured_at, value, source, reset)
    SELECT CAST(:org AS uuid), r.meter_id, r.measured_at, r.value, r.source, r.reset
    FROM unnest(CAST(:meters AS uuid[]), CAST(:times AS timestamptz[]), CAST(:values AS float8[]),
                CAST(:sources AS text[]), CAST(:resets AS text[]))
         AS r(meter_id, measured_at, value, source, reset)
    ON CONFLICT DO NOTHING
    RETURNING meter_id, measured_at, source
    """
)

Key = tuple[UUID, datetime, str | None]


@dataclass
class _Point:
    """A reading on a meter's timeline: already stored, or a candidate of this batch."""

    at: datetime
    value: float
    reset: str | None
    index: int | None = None  # candidates only


def _key(item: BulkReadingIn) -> Key:
    return (item.meter_id, item.measured_at, item.source)


async def ingest(
    session: AsyncSession, auth: Authorized, items: list[BulkReadingIn]
) -> BatchResult:
    results: dict[int, ItemResult] = {}
    meters = {
        m.id: m
        for m in await session.scalars(
            meter_service.visible(auth).where(Meter.id.in_({i.meter_id for i in items}))
        )
    }
    now = datetime.now(UTC)
    seen: set[Key] = set()
    candidates: dict[UUID, list[tuple[int, BulkReadingIn]]] = defaultdict(list)
    for index, item in enumerate(items):
        reason = _first_check(item, meters, now)
        if reason is not None:
            results[index] = ItemResult(index=index, status="rejected", reason=reason)
        elif _key(item) in seen:
            results[index] = ItemResult(index=index, status="duplicate")
        else:
            seen.add(_key(item))
            candidates[item.meter_id].append((index, item))
    accepted: list[tuple[int, BulkReadingIn]] = []
    for meter_id, group in candidates.items():
        accepted += await _check_meter(session, meters[meter_id], group, results)
    stored = await _store(session, auth, accepted)
    for index, item in accepted:
        status = "stored" if _key(item) in stored else "duplicate"
        results[index] = ItemResult(index=index, status=status)
    return await _summarise(session, results)


def _first_check(item: BulkReadingIn, meters: dict[UUID, Meter], now: datetime) -> str | None:
    if item.meter_id not in meters:
        return "unknown meter"
    if item.measured_at > now + FUTURE_TOLERANCE:
        return "measured in the future"
    if item.measured_at < now - MAX_AGE:
        return "older than five years"
    if item.reset is not None and meters[item.meter_id].kind != "counter":
        return "only counters are reset"
    return None


async def _stored_points(
    session: AsyncSession, meter: Meter, first: datetime, last: datetime
) -> tuple[list[_Point], set[tuple[datetime, str | None]]]:
    """Stored readings in [first, last] plus the neighbour just outside each end."""
    base = select(MeterReading).where(
        MeterReading.organization_id == meter.organization_id, MeterReading.meter_id == meter.id
    )
    inside = await session.scalars(base.where(MeterReading.measured_at.between(first, last)))
    before = await session.scalars(
        base.where(MeterReading.measured_at < first)
        .order_by(MeterReading.measured_at.desc())
        .limit(1)
    )
    after = await session.scalars(
        base.where(MeterReading.measured_at > last).order_by(MeterReading.measured_at).limit(1)
    )
    rows = [*before, *inside, *after]
    points = [_Point(r.measured_at, r.value, r.reset) for r in rows]
    return points, {(r.measured_at, r.source) for r in rows}


async def _check_meter(
    session: AsyncSession,
    meter: Meter,
    group: list[tuple[int, BulkReadingIn]],
    results: dict[int, ItemResult],
) -> list[tuple[int, BulkReadingIn]]:
    times = [item.measured_at for _, item in group]
    stored, stored_keys = await _stored_points(session, meter, min(times), max(times))
    fresh = []
    for index, item in group:
        if (item.measured_at, item.source) in stored_keys:
            results[index] = ItemResult(index=index, status="duplicate")
        else:
            fresh.append((index, item))
    if meter.kind != "counter":
        return fresh
    rejected = _backwards(stored, [_Point(i.measured_at, i.value, i.reset, n) for n, i in fresh])
    for index, reason in rejected.items():
        results[index] = ItemResult(index=index, status="rejected", reason=reason)
    return [(n, i) for n, i in fresh if n not in rejected]


def _backwards(stored: list[_Point], candidates: list[_Point]) -> dict[int, str]:
    """Candidates that would make the counter run backwards, checked against the previous and
    the next reading on the merged timeline; a reset starts a new run."""
    stored = sorted(stored, key=lambda p: p.at)
    stored_times = [p.at for p in stored]
    accepted: list[_Point] = []
    rejected: dict[int, str] = {}
    for point in sorted(candidates, key=lambda p: p.at):
        assert point.index is not None
        if point.reset is not None:
            accepted.append(point)
            continue
        previous = _latest_before(point.at, stored, stored_times, accepted)
        following = (
            stored[bisect_left(stored_times, point.at)]
            if stored_times and point.at < stored_times[-1]
            else None
        )
        if previous is not None and point.value < previous.value:
            rejected[point.index] = (
                f"counter went backwards: {point.value} is below {previous.value} "
                f'at {previous.at.isoformat()}; send reset "rollover" or "replacement"'
            )
        elif following is not None and following.reset is None and point.value > following.value:
            rejected[point.index] = (
                f"counter would run backwards afterwards: {point.value} is above "
                f"{following.value} at {following.at.isoformat()}"
            )
        else:
            accepted.append(point)
    return rejected


def _latest_before(
    at: datetime, stored: list[_Point], stored_times: list[datetime], accepted: list[_Point]
) -> _Point | None:
    position = bisect_left(stored_times, at)
    from_store = stored[position - 1] if position > 0 else None
    from_batch = accepted[-1] if accepted else None
    options = [p for p in (from_store, from_batch) if p is not None]
    return max(options, key=lambda p: p.at) if options else None


async def _store(
    session: AsyncSession, auth: Authorized, accepted: list[tuple[int, BulkReadingIn]]
) -> set[Key]:
    if not accepted:
        return set()
    months = {
        item.measured_at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        for _, item in accepted
    }
    for month in sorted(months):
        await session.execute(
            text("SELECT app.ensure_partition_for('meter_readings', :at)"), {"at": month}
        )
    items = [item for _, item in accepted]
    rows = await session.execute(
        _INSERT,
        {
            "org": auth.principal.organization_id,
            "meters": [i.meter_id for i in items],
            "times": [i.measured_at for i in items],
            "values": [i.value for i in items],
            "sources": [i.source for i in items],
            "resets": [i.reset for i in items],
        },
    )
    return {(row[0], row[1], row[2]) for row in rows}


async def _summarise(session: AsyncSession, results: dict[int, ItemResult]) -> BatchResult:
    ordered = [results[index] for index in sorted(results)]
    counts = {
        status: sum(r.status == status for r in ordered)
        for status in ("stored", "duplicate", "rejected")
    }
    batch_id = uuid7()
    ctx = context.current()
    session.add(
        ActivityLog(
            organization_id=ctx.organization_id,
            actor_id=ctx.user_id,
            request_id=ctx.request_id,
            client_ip=ctx.client_ip,
            entity_type="meter_readings",
            entity_id=batch_id,
            action="ingest",
            after=counts,
        )
    )
    await session.flush()
    return BatchResult(
        batch_id=batch_id,
        stored=counts["stored"],
        duplicates=counts["duplicate"],
        rejected=counts["rejected"],
        results=ordered,
    )
