"""Inventory value and turns per storeroom (for the reporting pages): value at the
moving-average cost, and what was issued per month (net of returns) in the organization's
time zone. Turns are the last twelve months' net issues over today's value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.inventory.schemas import IssuedPeriod, StoreroomValue

CENTS = Decimal("0.01")
_SCOPE = """(CAST(:sites AS uuid[]) IS NULL OR {column} IN (
  SELECT l.id FROM locations l WHERE l.organization_id = :org AND l.site_id = ANY(:sites)))"""
# Net issue value of a movement: an issue counts its cost, a return takes it back.
_ISSUED = (
    "CASE WHEN m.kind = 'issue' THEN -m.quantity * m.unit_cost"
    " WHEN m.kind = 'return' THEN -m.quantity * m.unit_cost END"
)
VALUE = text(f"""
SELECT s.storeroom_id, round(sum(s.on_hand * s.average_unit_cost), 2) AS value,
       count(*) AS stock_rows,
       count(*) FILTER (WHERE s.on_hand - s.reserved <= s.reorder_point) AS low_rows,
       round(coalesce((SELECT sum({_ISSUED}) FROM stock_movements m
         WHERE m.organization_id = :org AND m.storeroom_id = s.storeroom_id
           AND m.kind IN ('issue', 'return') AND m.occurred_at >= now() - interval '1 year'), 0), 2)
         AS issued_last_year
FROM parts_inventory s
WHERE s.organization_id = :org AND {_SCOPE.format(column="s.storeroom_id")}
GROUP BY s.storeroom_id ORDER BY s.storeroom_id
""")
ISSUES = text(f"""
SELECT m.storeroom_id,
       CAST(date_trunc('month', m.occurred_at, o.timezone) AT TIME ZONE o.timezone AS date)
         AS period,
       round(sum({_ISSUED}), 2) AS issued_value, count(*) AS movements
FROM stock_movements m JOIN organizations o ON o.id = m.organization_id
WHERE m.organization_id = :org AND m.kind IN ('issue', 'return')
  AND m.occurred_at >= CAST(CAST(:since AS date) AS timestamp) AT TIME ZONE o.timezone
  AND m.occurred_at < CAST(CAST(:until AS date) + 1 AS timestamp) AT TIME ZONE o.timezone
  AND {_SCOPE.format(column="m.storeroom_id")}
GROUP BY m.storeroom_id, 2 ORDER BY 2, m.storeroom_id
""")


def _params(auth: Authorized) -> dict[str, object]:
    principal = auth.principal
    sites = list(principal.site_ids) if auth.scope is Scope.SITE else None
    return {"org": principal.organization_id, "sites": sites}


async def values(session: AsyncSession, auth: Authorized) -> list[StoreroomValue]:
    rows = await session.execute(VALUE, _params(auth))
    return [
        StoreroomValue.model_validate(
            {
                **row._mapping,
                "turns": (row.issued_last_year / row.value).quantize(CENTS) if row.value else None,
            }
        )
        for row in rows
    ]


async def issues(
    session: AsyncSession, auth: Authorized, since: date, until: date
) -> list[IssuedPeriod]:
    rows = await session.execute(ISSUES, {**_params(auth), "since": since, "until": until})
    return [IssuedPeriod.model_validate(dict(row._mapping)) for row in rows]
