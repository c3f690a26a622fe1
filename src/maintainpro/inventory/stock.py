"""Stock per storeroom and the movements the stores record by hand (receipts, adjustments,
transfers, counts, reversals). Issues and returns live with the work order (`usage.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import ARRAY, Select, Uuid, and_, any_, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from uuid_utils.compat import uuid7

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core import prepared
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page
from maintainpro.inventory import ledger
from maintainpro.inventory.ledger import Move
from maintainpro.inventory.schemas import (
    MovementCreate,
    MovementList,
    MovementQuery,
    MovementRead,
    StockList,
    StockRead,
    StockSettings,
)
from maintainpro.models import Location, Part, PartStock, StockMovement

M = TypeVar("M")
REVERSIBLE = frozenset({"receipt", "adjustment", "count"})
NEWEST_FIRST = Keyset(StockMovement.id, StockMovement.id, UUID, descending=True)

# The part (live: its default cost) and each named storeroom (a live storeroom of the
# organization: its site), in one round trip.
_REFERENCES = text("""
SELECT (SELECT p.default_unit_cost FROM parts p
        WHERE p.organization_id = :org AND p.id = :part AND p.deleted_at IS NULL) AS part_cost,
       array(SELECT ARRAY[l.id, l.site_id] FROM locations l
             WHERE l.organization_id = :org AND l.id = ANY(CAST(:stores AS uuid[]))
               AND l.kind = 'storeroom' AND l.deleted_at IS NULL) AS storerooms
""")


def shortage(part_id: UUID, storeroom_id: UUID, wanted: Decimal, have: Decimal) -> Conflict:
    message = f"Only {have} available in this storeroom; {wanted} asked for."
    return Conflict(
        "Not enough stock.",
        [FieldError("quantity", message, "insufficient_stock")],
        extensions={
            "partId": str(part_id),
            "storeroomId": str(storeroom_id),
            "available": str(have),
        },
    )


async def references(
    session: AsyncSession, auth: Authorized, part_id: UUID, storerooms: Mapping[str, UUID]
) -> Decimal:
    """Checks the part and the storerooms (by field name) a write names; within the caller's
    sites for a site-scoped role. Returns the part's default unit cost."""
    row = (
        await session.execute(
            _REFERENCES,
            {
                "org": auth.principal.organization_id,
                "part": part_id,
                "stores": list(storerooms.values()),
            },
        )
    ).one()
    if row.part_cost is None:
        raise ValidationFailed(
            "No such part.", [FieldError("partId", "Not a live part.", "unknown")]
        )
    sites = dict(row.storerooms)
    for name, storeroom_id in storerooms.items():
        reachable = storeroom_id in sites and (
            auth.scope is not Scope.SITE or sites[storeroom_id] in auth.principal.site_ids
        )
        if not reachable:
            message = "Not a storeroom of this organization you can reach."
            raise ValidationFailed("No such storeroom.", [FieldError(name, message, "unknown")])
    assert isinstance(row.part_cost, Decimal)
    return row.part_cost


def in_sites(
    auth: Authorized, statement: Select[M], storeroom: InstrumentedAttribute[UUID]
) -> Select[M]:
    """`statement` narrowed, for a site-scoped caller, to rows whose storeroom is in one of
    the caller's sites (every list of stock, movements, counts and orders)."""
    if auth.scope is not Scope.SITE:
        return statement
    reachable = select(Location.id).where(
        Location.organization_id == auth.principal.organization_id,
        Location.site_id.in_(auth.principal.site_ids),
    )
    return statement.where(storeroom.in_(reachable))


def stock_read(row: PartStock) -> StockRead:
    return StockRead.model_validate(
        {
            **{c.key: getattr(row, c.key) for c in PartStock.__mapper__.column_attrs},
            "available": row.on_hand - row.reserved,
        }
    )


_STOCK_COLUMNS = [
    PartStock.__table__.c[name] for name in StockRead.model_fields if name != "available"
]


def _of_part(site_bound: bool) -> prepared.Prepared:
    """Built once: the live part outer-joined to its stock rows, for the whole organization
    or narrowed to the storerooms of the caller's sites (a part with no row in reach still
    answers one row, of NULLs)."""
    joined = and_(PartStock.organization_id == Part.organization_id, PartStock.part_id == Part.id)
    if site_bound:
        sites = select(Location.id).where(
            Location.organization_id == bindparam("org"),
            Location.site_id == any_(bindparam("sites", type_=ARRAY(Uuid()))),
        )
        joined = and_(joined, PartStock.storeroom_id.in_(sites))
    available = (PartStock.on_hand - PartStock.reserved).label("available")
    statement = (
        select(Part.id.label("part"), *_STOCK_COLUMNS, available)
        .select_from(Part)
        .outerjoin(PartStock, joined)
        .where(
            Part.organization_id == bindparam("org"),
            Part.id == bindparam("id"),
            Part.deleted_at.is_(None),
        )
        .order_by(PartStock.storeroom_id)
    )
    return prepared.prepare(statement)


OF_PART = {False: _of_part(False), True: _of_part(True)}


async def of_part(session: AsyncSession, auth: Authorized, part_id: UUID) -> StockList:
    """One prepared statement (no row at all: no such part)."""
    params: dict[str, object] = {"org": auth.principal.organization_id, "id": part_id}
    site_bound = auth.scope is Scope.SITE
    if site_bound:
        params["sites"] = list(auth.principal.site_ids)
    rows = await prepared.fetch(session, OF_PART[site_bound], params)
    if not rows:
        raise NotFound("No such part.")
    return StockList(items=[StockRead.model_validate(dict(row)) for row in rows if row["id"]])


async def set_levels(
    session: AsyncSession,
    auth: Authorized,
    part_id: UUID,
    storeroom_id: UUID,
    data: StockSettings,
    *,
    version: int | None,
) -> PartStock:
    """PUT: the levels are replaced as sent; the row is created (empty) on first use."""
    org = auth.principal.organization_id
    await references(session, auth, part_id, {"storeroomId": storeroom_id})
    row = await session.scalar(
        select(PartStock)
        .where(
            PartStock.organization_id == org,
            PartStock.part_id == part_id,
            PartStock.storeroom_id == storeroom_id,
        )
        .with_for_update(key_share=True)
    )
    if row is None:
        row = PartStock(organization_id=org, part_id=part_id, storeroom_id=storeroom_id)
        session.add(row)
    else:
        check_version(version, row.version, what="stock row")
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    await session.flush()
    await session.refresh(row)
    return row


async def record(session: AsyncSession, auth: Authorized, data: MovementCreate) -> MovementList:
    storerooms = {"storeroomId": data.storeroom_id}
    if data.kind == "transfer":
        if data.to_storeroom_id is None or data.to_storeroom_id == data.storeroom_id:
            message = "A transfer names another storeroom to move the stock to."
            raise ValidationFailed(message, [FieldError("toStoreroomId", message, "required")])
        storerooms["toStoreroomId"] = data.to_storeroom_id
    default_cost = await references(session, auth, data.part_id, storerooms)
    move = Move(
        organization_id=auth.principal.organization_id,
        part_id=data.part_id,
        storeroom_id=data.storeroom_id,
        kind=data.kind,
        quantity=abs(data.quantity),
        actor=auth.principal.user_id,
        reason=data.reason,
    )
    if data.kind == "receipt":
        return await _receive(session, move, data, default_cost)
    if data.kind == "adjustment":
        return await _adjust(session, move, data, default_cost)
    if data.kind == "transfer":
        assert data.to_storeroom_id is not None
        return await _transfer(session, move, data.to_storeroom_id)
    return await _count(session, move, data.quantity, default_cost)


def _positive(quantity: Decimal) -> None:
    if quantity <= 0:
        message = "Must be more than 0."
        raise ValidationFailed(message, [FieldError("quantity", message, "not_positive")])


async def _receive(
    session: AsyncSession, move: Move, data: MovementCreate, default_cost: Decimal
) -> MovementList:
    _positive(data.quantity)
    cost = default_cost if data.unit_cost is None else data.unit_cost
    row = await ledger.add(session, _with(move, cost=cost, revalue=True))
    return MovementList(items=[MovementRead.model_validate(dict(row))])


async def _adjust(
    session: AsyncSession, move: Move, data: MovementCreate, default_cost: Decimal
) -> MovementList:
    if data.reason is None:
        message = "An adjustment says why."
        raise ValidationFailed(message, [FieldError("reason", message, "required")])
    if data.quantity == 0:
        message = "Must not be 0."
        raise ValidationFailed(message, [FieldError("quantity", message, "zero")])
    if data.quantity > 0:
        row = await ledger.add(session, _with(move, cost=default_cost))
    else:
        row = await take_or_shortage(session, move)
    return MovementList(items=[MovementRead.model_validate(dict(row))])


async def _transfer(session: AsyncSession, move: Move, to_storeroom_id: UUID) -> MovementList:
    """Out of one storeroom and into the other at the source's average cost; both stock rows
    are locked in one order first, so two opposite transfers cannot deadlock."""
    _positive(move.quantity)
    await _lock_rows(
        session, move.organization_id, move.part_id, (move.storeroom_id, to_storeroom_id)
    )
    transfer_id = uuid7()
    out = await take_or_shortage(session, _with(move, kind="transfer_out", transfer_id=transfer_id))
    cost = out["unit_cost"]
    assert isinstance(cost, Decimal)
    into = await ledger.add(
        session,
        _with(
            move,
            kind="transfer_in",
            storeroom_id=to_storeroom_id,
            cost=cost,
            revalue=True,
            transfer_id=transfer_id,
        ),
    )
    return MovementList(items=[MovementRead.model_validate(dict(r)) for r in (out, into)])


_COUNT = text("""
SELECT id, on_hand, reserved FROM parts_inventory
WHERE organization_id = :org AND part_id = :part AND storeroom_id = :store FOR NO KEY UPDATE
""")


async def _count(
    session: AsyncSession, move: Move, counted: Decimal, default_cost: Decimal
) -> MovementList:
    """The counted quantity replaces the balance; the difference is posted as a `count`
    movement (zero when the count agrees, so the count itself is on record). Reserved stock
    must still be there."""
    if counted < 0:
        message = "A counted quantity cannot be negative."
        raise ValidationFailed(message, [FieldError("quantity", message, "negative")])
    params = {"org": move.organization_id, "part": move.part_id, "store": move.storeroom_id}
    row = (await session.execute(_COUNT, params)).one_or_none()
    on_hand = Decimal(0) if row is None else row.on_hand
    if row is not None and counted < row.reserved:
        message = f"{row.reserved} of it is reserved for work orders; release it first."
        raise Conflict(
            "Counted less than is reserved.", [FieldError("quantity", message, "reserved")]
        )
    difference = counted - on_hand
    if difference > 0 or row is None:
        moved = await ledger.add(
            session, _with(move, kind="count", quantity=difference, cost=default_cost)
        )
    else:
        moved = await take_or_shortage(session, _with(move, kind="count", quantity=-difference))
    return MovementList(items=[MovementRead.model_validate(dict(moved))])


async def reverse(
    session: AsyncSession, auth: Authorized, movement_id: UUID, reason: str
) -> MovementList:
    """A new movement undoing a receipt, adjustment or count (once); a receipt's reversal
    takes its price back out of the average cost."""
    original = await session.scalar(_movements(auth).where(StockMovement.id == movement_id))
    if original is None:
        raise NotFound("No such movement.")
    if original.kind not in REVERSIBLE or original.reverses_id is not None:
        raise Conflict(
            "This movement cannot be reversed here.",
            [
                FieldError(
                    "id", "Issues and returns are reversed on their work order.", "not_reversible"
                )
            ],
        )
    move = Move(
        organization_id=original.organization_id,
        part_id=original.part_id,
        storeroom_id=original.storeroom_id,
        kind="adjustment",
        quantity=abs(original.quantity),
        actor=auth.principal.user_id,
        reason=reason,
        reverses_id=original.id,
        cost=original.unit_cost,
        revalue=original.kind == "receipt",
    )
    if original.quantity == 0:
        raise Conflict(
            "Nothing to reverse.", [FieldError("id", "The count changed nothing.", "empty")]
        )
    if original.quantity < 0:
        row = await ledger.add(session, move)
    else:
        row = await take_or_shortage(session, move)
    return MovementList(items=[MovementRead.model_validate(dict(row))])


async def take_or_shortage(session: AsyncSession, move: Move) -> prepared.Record:
    """A take out of stock, or the 409 that names what is available."""
    row = await ledger.take(session, move)
    if row is None:
        have = await ledger.available(session, move)
        raise shortage(move.part_id, move.storeroom_id, move.quantity, have)
    return row


_LOCK = text("""
SELECT id FROM parts_inventory
WHERE organization_id = :org AND part_id = :part AND storeroom_id = ANY(CAST(:stores AS uuid[]))
ORDER BY storeroom_id FOR NO KEY UPDATE
""")


async def _lock_rows(
    session: AsyncSession, org: UUID, part_id: UUID, storerooms: Sequence[UUID]
) -> None:
    await session.execute(_LOCK, {"org": org, "part": part_id, "stores": list(storerooms)})


def _with(move: Move, **changes: Any) -> Move:
    return replace(move, **changes)


def _movements(auth: Authorized) -> Select[StockMovement]:
    statement = select(StockMovement).where(
        StockMovement.organization_id == auth.principal.organization_id
    )
    return in_sites(auth, statement, StockMovement.storeroom_id)


def movements_statement(auth: Authorized, query: MovementQuery) -> Select[StockMovement]:
    """A page of movements, newest first, by part, storeroom or work order."""
    statement = _movements(auth)
    if query.part_id is not None:
        statement = statement.where(StockMovement.part_id == query.part_id)
    if query.storeroom_id is not None:
        statement = statement.where(StockMovement.storeroom_id == query.storeroom_id)
    if query.work_order_id is not None:
        statement = statement.where(StockMovement.work_order_id == query.work_order_id)
    return NEWEST_FIRST.page(statement, query.cursor, query.limit)


async def list_movements(
    session: AsyncSession, auth: Authorized, query: MovementQuery
) -> Page[MovementRead]:
    rows = list(await session.scalars(movements_statement(auth, query)))
    page, next_cursor = NEWEST_FIRST.split(rows, query.limit)
    return Page(items=[MovementRead.model_validate(row) for row in page], next_cursor=next_cursor)


_UNBALANCED = text("""
SELECT s.organization_id, s.part_id, s.storeroom_id, s.on_hand, coalesce(m.total, 0) AS ledger
FROM parts_inventory s
LEFT JOIN (SELECT part_id, storeroom_id, sum(quantity) AS total FROM stock_movements
           WHERE organization_id = :org GROUP BY part_id, storeroom_id) m
  ON m.part_id = s.part_id AND m.storeroom_id = s.storeroom_id
WHERE s.organization_id = :org AND s.on_hand <> coalesce(m.total, 0)
""")


async def unbalanced(session: AsyncSession, organization_id: UUID) -> list[Mapping[str, object]]:
    """Stock rows whose balance is not the sum of their movements (none, ever: the periodic
    check and the tests assert it)."""
    rows = await session.execute(_UNBALANCED, {"org": organization_id})
    return [dict(row._mapping) for row in rows]
