"""Stock held for work orders: taken when a part is planned, given up when the work order is
completed or cancelled (or the line is removed). Reservations are no ledger movement: on
hand does not change, only what is available."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.core import prepared

# Holds what is available of `:quantity` (all of it, part of it or nothing) and writes the
# line with what it got: a shortage shows as reserved < planned, it is not refused.
PLAN = prepared.prepare(
    text("""
WITH s AS (
  SELECT id, least(CAST(:quantity AS numeric), on_hand - reserved) AS take
  FROM parts_inventory
  WHERE organization_id = :org AND part_id = :part AND storeroom_id = :store
  FOR NO KEY UPDATE
), held AS (
  UPDATE parts_inventory p SET reserved = p.reserved + s.take, updated_at = now()
  FROM s WHERE p.id = s.id AND s.take > 0
  RETURNING s.take
)
INSERT INTO work_order_parts_used (id, organization_id, work_order_id, part_id, storeroom_id,
  planned, planned_quantity, reserved_quantity, notes, created_by, updated_by)
VALUES (:id, :org, :work_order, :part, :store, :planned, :planned_quantity,
  coalesce((SELECT take FROM held), 0), :notes, :actor, :actor)
RETURNING *
""")
)

# Every line's reservation of the work order back to its stock row, rows locked in one order
# (two work orders sharing parts cannot deadlock); one statement.
_RELEASE = text("""
WITH held AS (
  SELECT id, part_id, storeroom_id, reserved_quantity FROM work_order_parts_used
  WHERE organization_id = :org AND work_order_id = :work_order AND reserved_quantity > 0
    AND (CAST(:usage AS uuid) IS NULL OR id = :usage)
  FOR NO KEY UPDATE
), totals AS (
  SELECT part_id, storeroom_id, sum(reserved_quantity) AS quantity FROM held
  GROUP BY part_id, storeroom_id
), locked AS (
  SELECT s.id, t.quantity FROM parts_inventory s
  JOIN totals t ON t.part_id = s.part_id AND t.storeroom_id = s.storeroom_id
  WHERE s.organization_id = :org ORDER BY s.id FOR NO KEY UPDATE OF s
), stock AS (
  UPDATE parts_inventory s SET reserved = s.reserved - locked.quantity, updated_at = now()
  FROM locked WHERE s.id = locked.id
)
UPDATE work_order_parts_used u SET reserved_quantity = 0, updated_at = now()
FROM held WHERE u.id = held.id
""")


async def release(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID, usage_id: UUID | None = None
) -> None:
    """Gives up the work order's reservations (or one line's)."""
    await session.execute(
        _RELEASE, {"org": organization_id, "work_order": work_order_id, "usage": usage_id}
    )


# Where a template's planned part is reserved from: the storeroom of the work order's site
# with the most available, else the organization's with the most.
_STOREROOM_FOR = text("""
SELECT s.storeroom_id FROM parts_inventory s
JOIN parts p ON p.organization_id = s.organization_id AND p.id = s.part_id
  AND p.deleted_at IS NULL
JOIN locations l ON l.organization_id = s.organization_id AND l.id = s.storeroom_id
WHERE s.organization_id = :org AND s.part_id = :part
ORDER BY (l.site_id IS NOT DISTINCT FROM CAST(:site AS uuid)) DESC, s.on_hand - s.reserved DESC,
         s.storeroom_id
LIMIT 1
""")


async def plan_from_template(
    session: AsyncSession,
    organization_id: UUID,
    work_order_id: UUID,
    site_id: UUID | None,
    planned: Iterable[Mapping[str, Any]],
    actor: UUID | None,
) -> None:
    """A template's planned parts as planned lines of the new work order, each reserving what
    is available. A part no storeroom stocks, or a planned part with no part named, stays a
    note on the template."""
    for item in planned:
        if item.get("part_id") is None:
            continue
        part_id = UUID(str(item["part_id"]))
        params = {"org": organization_id, "part": part_id, "site": site_id}
        storeroom = await session.scalar(_STOREROOM_FOR, params)
        if storeroom is None:
            continue
        quantity = Decimal(str(item["quantity"]))
        await prepared.fetchrow(
            session,
            PLAN,
            {
                "id": uuid7(),
                "org": organization_id,
                "work_order": work_order_id,
                "part": part_id,
                "store": storeroom,
                "planned": True,
                "quantity": quantity,
                "planned_quantity": quantity,
                "notes": item.get("description"),
                "actor": actor,
            },
        )
