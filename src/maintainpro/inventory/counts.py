"""Cycle counts: a session lists the stock rows of a storeroom (optionally one bin prefix or
category); people record what they count while issues go on, each count with the books'
balance read at that moment; posting turns each counted line into a `count` movement of the
difference between the two (the movements since then are not the counter's to explain)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.pagination import Keyset, Page
from maintainpro.inventory import ledger
from maintainpro.inventory.ledger import Move
from maintainpro.inventory.schemas import (
    CountOpen,
    CountQuery,
    CountRead,
    CountRecord,
    CountSummary,
)
from maintainpro.inventory.stock import in_sites, take_or_shortage
from maintainpro.models import CycleCount, CycleCountLine

NEWEST_FIRST = Keyset(CycleCount.id, CycleCount.id, UUID, descending=True)

_STOREROOM = text("""
SELECT l.site_id FROM locations l WHERE l.organization_id = :org AND l.id = :store
  AND l.kind = 'storeroom' AND l.deleted_at IS NULL
""")
# The lines: every stock row of the storeroom the session covers, the books' balance now.
_LINES = text("""
INSERT INTO cycle_count_lines (id, organization_id, cycle_count_id, part_id, expected_quantity,
                               created_by, updated_by)
SELECT app.uuidv7(), s.organization_id, :count, s.part_id, s.on_hand, :actor, :actor
FROM parts_inventory s JOIN parts p ON p.organization_id = s.organization_id AND p.id = s.part_id
WHERE s.organization_id = :org AND s.storeroom_id = :store AND p.deleted_at IS NULL
  AND (CAST(:bin AS text) IS NULL OR s.bin LIKE
       replace(replace(replace(:bin, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')
  AND (CAST(:category AS text) IS NULL OR p.category = :category)
  -- A row already in another open count is being counted there: one count corrects it.
  AND NOT EXISTS (SELECT 1 FROM cycle_count_lines o
                  JOIN cycle_counts c ON c.organization_id = o.organization_id
                    AND c.id = o.cycle_count_id
                  WHERE o.organization_id = s.organization_id AND o.part_id = s.part_id
                    AND c.storeroom_id = s.storeroom_id AND c.status = 'open')
""")
# The books' balance of each counted part now, read with the count.
_BALANCES = text("""
SELECT part_id, on_hand FROM parts_inventory
WHERE organization_id = :org AND storeroom_id = :store AND part_id = ANY(CAST(:parts AS uuid[]))
""")


def _visible(auth: Authorized) -> Select[CycleCount]:
    statement = select(CycleCount).where(
        CycleCount.organization_id == auth.principal.organization_id
    )
    return in_sites(auth, statement, CycleCount.storeroom_id)


async def _get(
    session: AsyncSession, auth: Authorized, count_id: UUID, *, lock: bool = False
) -> CycleCount:
    statement = _visible(auth).where(CycleCount.id == count_id)
    if lock:
        statement = statement.with_for_update(key_share=True)
    found = await session.scalar(statement.execution_options(populate_existing=True))
    if found is None:
        raise NotFound("No such cycle count.")
    return found


def _open(count: CycleCount) -> None:
    if count.status != "open":
        raise Conflict(
            f"This count is {count.status}.",
            [
                FieldError(
                    "status", "Only an open count is counted, posted or cancelled.", "not_open"
                )
            ],
        )


async def read(session: AsyncSession, auth: Authorized, count_id: UUID) -> CountRead:
    count = await _get(session, auth, count_id)
    lines = await session.scalars(
        select(CycleCountLine)
        .where(
            CycleCountLine.organization_id == count.organization_id,
            CycleCountLine.cycle_count_id == count.id,
        )
        .order_by(CycleCountLine.id)
        .execution_options(populate_existing=True)
    )
    columns = {c.key: getattr(count, c.key) for c in CycleCount.__mapper__.column_attrs}
    return CountRead.model_validate({**columns, "lines": list(lines)})


async def open_count(session: AsyncSession, auth: Authorized, data: CountOpen) -> CountRead:
    org, actor = auth.principal.organization_id, auth.principal.user_id
    site = (await session.execute(_STOREROOM, {"org": org, "store": data.storeroom_id})).scalar()
    if site is None or (auth.scope is Scope.SITE and site not in auth.principal.site_ids):
        message = "Not a storeroom of this organization you can reach."
        raise ValidationFailed(message, [FieldError("storeroomId", message, "unknown")])
    count = CycleCount(organization_id=org, **data.model_dump())
    session.add(count)
    await session.flush()
    params = {
        "count": count.id,
        "org": org,
        "store": data.storeroom_id,
        "bin": data.bin_prefix,
        "category": data.category,
        "actor": actor,
    }
    written = await session.execute(_LINES, params)
    if not written.rowcount:  # type: ignore[attr-defined]  # CursorResult for DML
        message = "No stock row of this storeroom matches."
        raise ValidationFailed(message, [FieldError("storeroomId", message, "nothing_to_count")])
    return await read(session, auth, count.id)


async def record(
    session: AsyncSession, auth: Authorized, count_id: UUID, data: CountRecord
) -> CountRead:
    """What was counted, per part; a line counted again keeps the later count."""
    count = await _get(session, auth, count_id, lock=True)
    _open(count)
    lines = {
        line.part_id: line
        for line in await session.scalars(
            select(CycleCountLine).where(
                CycleCountLine.organization_id == count.organization_id,
                CycleCountLine.cycle_count_id == count.id,
            )
        )
    }
    now = datetime.now(UTC)
    params = {
        "org": count.organization_id,
        "store": count.storeroom_id,
        "parts": [line.part_id for line in data.lines],
    }
    rows = await session.execute(_BALANCES, params)
    balances: dict[UUID, Decimal] = dict(rows.all())
    for index, counted in enumerate(data.lines):
        line = lines.get(counted.part_id)
        if line is None:
            message = "This part is not in the count."
            raise ValidationFailed(
                message, [FieldError(f"lines[{index}].partId", message, "unknown")]
            )
        line.counted_quantity, line.counted_at = counted.counted_quantity, now
        line.balance_when_counted = balances.get(counted.part_id, Decimal(0))
        line.counted_by = auth.principal.user_id
    await session.flush()
    return await read(session, auth, count_id)


async def post(session: AsyncSession, auth: Authorized, count_id: UUID) -> CountRead:
    """Every counted line becomes a `count` movement (zero when the count agrees); the count
    is posted once (its row is locked, so two posts cannot post twice)."""
    count = await _get(session, auth, count_id, lock=True)
    _open(count)
    lines = await session.scalars(
        select(CycleCountLine)
        .where(
            CycleCountLine.organization_id == count.organization_id,
            CycleCountLine.cycle_count_id == count.id,
            CycleCountLine.counted_quantity.is_not(None),
        )
        .order_by(CycleCountLine.part_id)  # stock rows in one order: posts cannot deadlock
    )
    for line in lines:
        assert line.counted_quantity is not None
        assert line.balance_when_counted is not None
        difference = line.counted_quantity - line.balance_when_counted
        move = Move(
            organization_id=count.organization_id,
            part_id=line.part_id,
            storeroom_id=count.storeroom_id,
            kind="count",
            quantity=abs(difference),
            actor=auth.principal.user_id,
            reason=f"cycle count {count.id}",
        )
        if difference >= 0:
            movement = await ledger.add(session, move)
        else:  # a shortage: counted less than is reserved now
            movement = await take_or_shortage(session, move)
        moved = movement["id"]
        assert isinstance(moved, UUID)
        line.movement_id = moved
    count.status, count.posted_at, count.posted_by = (
        "posted",
        datetime.now(UTC),
        auth.principal.user_id,
    )
    await session.flush()
    return await read(session, auth, count_id)


async def cancel(session: AsyncSession, auth: Authorized, count_id: UUID) -> CountRead:
    count = await _get(session, auth, count_id, lock=True)
    _open(count)
    count.status = "cancelled"
    await session.flush()
    return await read(session, auth, count_id)


async def list_counts(
    session: AsyncSession, auth: Authorized, query: CountQuery
) -> Page[CountSummary]:
    statement = _visible(auth)
    if query.storeroom_id is not None:
        statement = statement.where(CycleCount.storeroom_id == query.storeroom_id)
    if query.status is not None:
        statement = statement.where(CycleCount.status == query.status)
    rows = list(await session.scalars(NEWEST_FIRST.page(statement, query.cursor, query.limit)))
    page, next_cursor = NEWEST_FIRST.split(rows, query.limit)
    return Page(items=[CountSummary.model_validate(c) for c in page], next_cursor=next_cursor)
