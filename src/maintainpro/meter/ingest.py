"""Meter reading ingestion (C4): one reading or thousands from an IoT gateway in one call.

Idempotent (a reading resent with the same meter, time, source and value is stored once; with
another value it is a conflict), tolerant of out-of-order times (a counter is checked against
its stored neighbours on both sides), and answered item by item. Batches touching the same
meter are serialised by a row lock on the meter, taken in id order, so two concurrent batches
can never both pass the neighbour check. Audited per batch, not per row (D6).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.auth.principal import Authorized
from maintainpro.core import context
from maintainpro.core.errors import Conflict, FieldError, ValidationFailed
from maintainpro.meter import service as meter_service
from maintainpro.meter import timeline
from maintainpro.meter.schemas import BatchResult, BulkReadingIn, ItemResult, ReadingIn
from maintainpro.models import ActivityLog, Meter
from maintainpro.pm import meters as pm_meters

FUTURE_TOLERANCE = timedelta(minutes=5)
NO_PARTITION = (
    "no partition holds this time: readings are kept for the months the store is prepared for"
)

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
Indexed = list[tuple[int, BulkReadingIn]]


def _key(item: BulkReadingIn) -> Key:
    return (item.meter_id, item.measured_at, item.source)


def _rejected(index: int, code: str, reason: str) -> ItemResult:
    return ItemResult(index=index, status="rejected", code=code, reason=reason)


def _resent(index: int, same: bool, reason: str) -> ItemResult:
    """A reading sent before: the same value is a duplicate, another one a conflict."""
    if same:
        return ItemResult(index=index, status="duplicate")
    return ItemResult(index=index, status="conflict", code="conflict", reason=reason)


async def record_one(
    session: AsyncSession, auth: Authorized, meter_id: UUID, data: ReadingIn
) -> BatchResult:
    """One reading; a duplicate or a conflicting resend is a 409, a rejected value a 422."""
    meter = await meter_service.get(session, auth, meter_id)
    item = BulkReadingIn.model_validate({**data.model_dump(by_alias=True), "meterId": meter.id})
    result = await ingest(session, auth, [item])
    outcome = result.results[0]
    reason = outcome.reason or ""
    if outcome.status == "duplicate":
        raise Conflict("This reading is already stored (same meter, time and source).")
    if outcome.status == "conflict":
        raise Conflict(reason, [FieldError("value", reason, "conflict")])
    if outcome.status == "rejected":
        raise ValidationFailed(reason, [FieldError("value", reason, outcome.code or "rejected")])
    return result


async def ingest(
    session: AsyncSession, auth: Authorized, items: list[BulkReadingIn]
) -> BatchResult:
    results: dict[int, ItemResult] = {}
    meters = await _lock_meters(session, auth, {item.meter_id for item in items})
    candidates = _screen(items, meters, datetime.now(UTC), results)
    counters = {meter.id for meter in meters.values() if meter.kind == "counter"}
    stored = await timeline.surroundings(
        session, auth.principal.organization_id, candidates, counters
    )
    fresh = _against_store(candidates, stored, results)
    per_counter: dict[UUID, Indexed] = defaultdict(list)
    for index, item in fresh:
        if item.meter_id in counters:
            per_counter[item.meter_id].append((index, item))
    refused: dict[int, timeline.Verdict] = {}
    for group in per_counter.values():
        refused |= timeline.backwards(group, stored)
    for index, verdict in refused.items():
        results[index] = _rejected(index, verdict.code, verdict.reason)
    accepted = [(index, item) for index, item in fresh if index not in refused]
    inserted = await _store(session, auth, accepted)
    # Every key of the batch is unique, so as many rows as readings means all were stored.
    everything = len(inserted) == len(accepted)
    if inserted:
        await pm_meters.announce(
            session,
            auth.principal.organization_id,
            {item.meter_id for _, item in accepted}
            if everything
            else {meter_id for meter_id, _, _ in inserted},
        )
    keys = None if everything else set(inserted)
    for index, item in accepted:
        status = "stored" if keys is None or _key(item) in keys else "duplicate"
        results[index] = ItemResult(index=index, status=status)
    return await _summarise(session, results)


async def _lock_meters(
    session: AsyncSession, auth: Authorized, meter_ids: Iterable[UUID]
) -> dict[UUID, Meter]:
    """The batch's visible meters, locked in id order (no deadlock between batches). NO KEY
    UPDATE leaves the key-share locks of the readings' foreign key free."""
    statement = (
        meter_service.visible(auth)
        .where(Meter.id.in_(set(meter_ids)))
        .order_by(Meter.id)
        .with_for_update(of=Meter, key_share=True)
    )
    return {meter.id: meter for meter in await session.scalars(statement)}


def _screen(
    items: list[BulkReadingIn],
    meters: dict[UUID, Meter],
    now: datetime,
    results: dict[int, ItemResult],
) -> Indexed:
    """Rules of the item alone, and repeats inside the batch; the rest are candidates."""
    first: dict[Key, tuple[int, BulkReadingIn]] = {}
    candidates: Indexed = []
    for index, item in enumerate(items):
        rule = _item_rule(item, meters, now)
        if rule is not None:
            results[index] = _rejected(index, *rule)
        elif (earlier := first.setdefault(_key(item), (index, item)))[0] == index:
            candidates.append((index, item))
        else:
            results[index] = _resent(
                index,
                (earlier[1].value, earlier[1].reset) == (item.value, item.reset),
                f"item {earlier[0]} has the same meter, time and source with value "
                f"{earlier[1].value}",
            )
    return candidates


def _item_rule(
    item: BulkReadingIn, meters: dict[UUID, Meter], now: datetime
) -> tuple[str, str] | None:
    if item.meter_id not in meters:
        return "unknown_meter", "unknown meter"
    if item.measured_at > now + FUTURE_TOLERANCE:
        return "future", "measured in the future"
    if item.reset is not None and meters[item.meter_id].kind != "counter":
        return "reset_not_counter", "only counters are reset"
    return None


def _against_store(
    candidates: Indexed, stored: timeline.Surroundings, results: dict[int, ItemResult]
) -> Indexed:
    """Times no partition holds, and readings already stored (same value: duplicate; another
    value or reset: conflict)."""
    fresh: Indexed = []
    for index, item in candidates:
        found = stored.readings.get(index, timeline.NOTHING)
        if not found.covered:
            results[index] = _rejected(index, "no_partition", NO_PARTITION)
        elif found.twin is None:
            fresh.append((index, item))
        else:
            results[index] = _resent(
                index,
                found.twin == (item.value, item.reset),
                f"a reading with value {found.twin[0]} is stored for this meter, time and source",
            )
    return fresh


async def _store(session: AsyncSession, auth: Authorized, accepted: Indexed) -> list[Key]:
    """The keys of the readings this statement stored (ON CONFLICT skips any already there)."""
    if not accepted:
        return []
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
    return [(row[0], row[1], row[2]) for row in rows]


async def _summarise(session: AsyncSession, results: dict[int, ItemResult]) -> BatchResult:
    ordered = [results[index] for index in sorted(results)]
    counts = {
        status: sum(r.status == status for r in ordered)
        for status in ("stored", "duplicate", "conflict", "rejected")
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
        conflicts=counts["conflict"],
        rejected=counts["rejected"],
        results=ordered,
    )
