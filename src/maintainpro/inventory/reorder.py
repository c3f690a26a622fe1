"""Reorder proposals: every stock row whose inventory position (available plus what is still
outstanding on open purchase orders into that storeroom) is at or below its reorder point, with
the quantity that fills the position up to its maximum (at least the preferred vendor's minimum
order) and that vendor's price and lead time. One statement: the partial index on low rows finds
the candidates (a position at or below the point needs availability at or below it), the lines
index sums what is on order for each."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.inventory.schemas import ReorderProposal

# Drafts count as on order: a second run after drafting orders proposes nothing twice.
OPEN_ORDERS = ("draft", "submitted", "approved", "ordered", "partially_received")
# Without a maximum the proposal refills to twice the reorder point (at least one unit).
PROPOSALS = text(f"""
SELECT s.part_id, p.part_number, p.name AS part_name, s.storeroom_id,
       s.on_hand - s.reserved AS available, o.on_order, s.reorder_point, s.max_quantity,
       greatest(coalesce(s.max_quantity, 2 * s.reorder_point, 1)
                - (s.on_hand - s.reserved + o.on_order),
                coalesce(v.minimum_order_quantity, 0), 1) AS quantity,
       v.vendor_id, v.vendor_part_number, v.price AS unit_price, v.currency, v.lead_time_days
FROM parts_inventory s
JOIN parts p ON p.organization_id = s.organization_id AND p.id = s.part_id
  AND p.deleted_at IS NULL
LEFT JOIN vendor_parts v ON v.organization_id = s.organization_id AND v.part_id = s.part_id
  AND v.preferred
CROSS JOIN LATERAL (
  SELECT CAST(coalesce(sum(l.quantity - l.received_quantity), 0) AS numeric(14, 3)) AS on_order
  FROM purchase_order_lines l
  JOIN purchase_orders po ON po.organization_id = l.organization_id
    AND po.id = l.purchase_order_id
  WHERE l.organization_id = s.organization_id AND l.part_id = s.part_id
    AND po.storeroom_id = s.storeroom_id AND po.status IN {OPEN_ORDERS}) o
WHERE s.organization_id = :org AND s.on_hand - s.reserved <= s.reorder_point
  AND s.on_hand - s.reserved + o.on_order <= s.reorder_point
  AND (CAST(:sites AS uuid[]) IS NULL OR s.storeroom_id IN (
    SELECT l.id FROM locations l WHERE l.organization_id = :org AND l.site_id = ANY(:sites)))
ORDER BY p.part_number, s.storeroom_id
""")


async def proposals(session: AsyncSession, auth: Authorized) -> list[ReorderProposal]:
    principal = auth.principal
    sites = list(principal.site_ids) if auth.scope is Scope.SITE else None
    rows = await session.execute(PROPOSALS, {"org": principal.organization_id, "sites": sites})
    return [ReorderProposal.model_validate(dict(row._mapping)) for row in rows]
