"""The stock ledger's write paths, each one statement: the balance changes by atomic SQL
(never read-modify-write) and its movement is written by the same statement, with the
balance after it. A take that would leave less than nothing (or less than what others have
reserved) changes no row, and the caller reports the shortage.

Locks: a movement locks its stock row only; work on a work order's parts holds the work
order's row first (the caller's read), then the stock row, in that order everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.core import prepared

MOVEMENT = (
    "id, part_id, storeroom_id, kind, quantity, unit_cost, balance_after, work_order_id,"
    " usage_id, reverses_id, transfer_id, reason, occurred_at, created_by"
)
STOCK = (
    "id, part_id, storeroom_id, bin, on_hand, reserved, on_hand - reserved AS available,"
    " min_quantity, reorder_point, max_quantity, average_unit_cost, updated_at, version"
)
_MOVED = f"""moved AS (
  INSERT INTO stock_movements (id, organization_id, part_id, storeroom_id, kind, quantity,
    unit_cost, balance_after, work_order_id, usage_id, reverses_id, transfer_id, reason,
    created_by)
  SELECT :movement_id, :org, :part, :store, :kind, :signed, {{unit_cost}}, stock.on_hand,
    :work_order, :usage, :reverses, :transfer, :reason, :actor
  FROM stock
  RETURNING {MOVEMENT}
)"""
# The line and the work order take the movement's cost (`:line_cost`, signed) in the same
# statement: the parts cost is the sum of its lines, always.
_ON_WORK_ORDER = """, line AS (
  UPDATE work_order_parts_used u SET
    reserved_quantity = u.reserved_quantity - :from_reserved,
    issued_quantity = u.issued_quantity + :issued,
    returned_quantity = u.returned_quantity + :returned,
    cost = u.cost + :line_cost, updated_at = now(), updated_by = :actor
  FROM stock WHERE u.organization_id = :org AND u.id = :usage
  RETURNING u.*
), rolled AS (
  UPDATE work_orders w SET parts_cost = w.parts_cost + :line_cost
  FROM line, stock WHERE w.organization_id = :org AND w.id = :work_order
)"""

# Into stock (receipt, return, transfer in, a positive adjustment or count): the row is
# created on first use; `:revalue` moves the average cost to include `:cost` (a receipt at
# its price, a return at what it was issued at), otherwise the average stays.
_ADD = """WITH stock AS (
  INSERT INTO parts_inventory AS s (id, organization_id, part_id, storeroom_id, on_hand,
    average_unit_cost, created_by, updated_by)
  VALUES (:stock_id, :org, :part, :store, :quantity, :cost, :actor, :actor)
  ON CONFLICT (organization_id, part_id, storeroom_id) DO UPDATE SET
    on_hand = s.on_hand + EXCLUDED.on_hand,
    average_unit_cost = CASE WHEN CAST(:revalue AS boolean) THEN round(
      (s.on_hand * s.average_unit_cost + EXCLUDED.on_hand * EXCLUDED.average_unit_cost)
      / (s.on_hand + EXCLUDED.on_hand), 4) ELSE s.average_unit_cost END,
    updated_at = now(), updated_by = EXCLUDED.updated_by
  RETURNING s.on_hand, s.average_unit_cost
)"""
_ADD_COST = "CASE WHEN CAST(:revalue AS boolean) THEN :cost ELSE stock.average_unit_cost END"

# Out of stock (issue, transfer out, a negative adjustment or count): only from what is
# available plus the caller's own reservation (`:from_reserved`, released by the take).
# `:revalue` takes `:cost` out of the average (reversing a receipt at its price).
_TAKE = """WITH stock AS (
  UPDATE parts_inventory s SET
    on_hand = s.on_hand - :quantity,
    reserved = s.reserved - :from_reserved,
    average_unit_cost = CASE WHEN CAST(:revalue AS boolean) AND s.on_hand > :quantity
      THEN greatest(round((s.on_hand * s.average_unit_cost - :quantity * :cost)
        / (s.on_hand - :quantity), 4), 0) ELSE s.average_unit_cost END,
    updated_at = now(), updated_by = :actor
  WHERE s.organization_id = :org AND s.part_id = :part AND s.storeroom_id = :store
    AND s.reserved >= :from_reserved AND s.on_hand - s.reserved + :from_reserved >= :quantity
  RETURNING s.on_hand, s.average_unit_cost AS taken_at
)"""
# A take is costed at the average (unchanged by it unless it revalues, when `:cost` is the
# price it takes out).
_TAKE_COST = "CASE WHEN CAST(:revalue AS boolean) THEN :cost ELSE stock.taken_at END"

_SELECT = "SELECT moved.* FROM moved"
# The work-order forms answer with the line they changed (the movement is written all the same:
# every data-modifying CTE runs whether or not the final SELECT reads it).
_SELECT_LINE = "SELECT line.* FROM line"
ADD = prepared.prepare(text(f"{_ADD}, {_MOVED.format(unit_cost=_ADD_COST)} {_SELECT}"))
TAKE = prepared.prepare(text(f"{_TAKE}, {_MOVED.format(unit_cost=_TAKE_COST)} {_SELECT}"))
# The work-order forms: the line's cost is the movement's at its unit cost, computed in SQL
# for an issue (the average at the time), given for a return (the line's own average).
ISSUE = prepared.prepare(
    text(
        f"{_TAKE}, {_MOVED.format(unit_cost=_TAKE_COST)}"
        f"{_ON_WORK_ORDER.replace(':line_cost', 'round(:issued * stock.taken_at, 2)')}"
        f" {_SELECT_LINE}"
    )
)
RETURN = prepared.prepare(
    text(f"{_ADD}, {_MOVED.format(unit_cost=_ADD_COST)}{_ON_WORK_ORDER} {_SELECT_LINE}")
)


@dataclass(frozen=True, slots=True)
class Move:
    """One movement to write: `quantity` is positive, `kind` says its direction."""

    organization_id: UUID
    part_id: UUID
    storeroom_id: UUID
    kind: str
    quantity: Decimal
    actor: UUID | None
    cost: Decimal = Decimal(0)
    revalue: bool = False
    reason: str | None = None
    work_order_id: UUID | None = None
    usage_id: UUID | None = None
    reverses_id: UUID | None = None
    transfer_id: UUID | None = None
    from_reserved: Decimal = Decimal(0)


INTO_STOCK = frozenset({"receipt", "return", "transfer_in"})


def _params(move: Move, signed: Decimal) -> dict[str, object]:
    return {
        "movement_id": uuid7(),
        "stock_id": uuid7(),
        "org": move.organization_id,
        "part": move.part_id,
        "store": move.storeroom_id,
        "kind": move.kind,
        "quantity": move.quantity,
        "signed": signed,
        "cost": move.cost,
        "revalue": move.revalue,
        "reason": move.reason,
        "work_order": move.work_order_id,
        "usage": move.usage_id,
        "reverses": move.reverses_id,
        "transfer": move.transfer_id,
        "from_reserved": move.from_reserved,
        "actor": move.actor,
    }


async def add(session: AsyncSession, move: Move) -> prepared.Record:
    row = await prepared.fetchrow(session, ADD, _params(move, move.quantity))
    assert row is not None, "an upsert always writes its row"
    return row


async def take(session: AsyncSession, move: Move) -> prepared.Record | None:
    """None when the storeroom has less available than `quantity` (nothing written)."""
    return await prepared.fetchrow(session, TAKE, _params(move, -move.quantity))


async def issue(session: AsyncSession, move: Move) -> prepared.Record | None:
    """A take onto a work order's line (issued, its reservation consumed, costed at the
    average); the line as it is now, or None on a shortage."""
    params = {**_params(move, -move.quantity), "issued": move.quantity, "returned": 0}
    return await prepared.fetchrow(session, ISSUE, params)


async def give_back(session: AsyncSession, move: Move, line_cost: Decimal) -> prepared.Record:
    """A return from a work order's line into stock at `move.cost`; the line and the work
    order lose `line_cost`. Returns the line as it is now."""
    params = {
        **_params(move, move.quantity),
        "issued": 0,
        "returned": move.quantity,
        "line_cost": -line_cost,
    }
    row = await prepared.fetchrow(session, RETURN, params)
    assert row is not None, "an upsert always writes its row"
    return row


_AVAILABLE = prepared.prepare(
    text(
        "SELECT on_hand - reserved AS available FROM parts_inventory"
        " WHERE organization_id = :org AND part_id = :part AND storeroom_id = :store"
    )
)


async def available(session: AsyncSession, move: Move) -> Decimal:
    """What the storeroom has available of the part now (a shortage's report)."""
    row = await prepared.fetchrow(
        session,
        _AVAILABLE,
        {"org": move.organization_id, "part": move.part_id, "store": move.storeroom_id},
    )
    found = Decimal(0) if row is None else row["available"]
    assert isinstance(found, Decimal)
    return found
