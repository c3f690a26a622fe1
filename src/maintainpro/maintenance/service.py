"""Maintenance logs: the entry each asset of a work order gets in its history when the work
completes (C3, C4). Written in the completing transaction, so a completion and its log entries
commit together or not at all."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core import prepared

# The work order row as the completing UPDATE left it (same transaction): its completion time,
# completer, hours and failure codes are copied, so the history keeps what was true then.
_RECORD = prepared.prepare(
    text("""
INSERT INTO maintenance_logs (id, organization_id, work_order_id, asset_id, work_order_number,
                              summary, completed_at, completed_by, hours, problem_code_id,
                              cause_code_id, remedy_code_id)
SELECT app.uuidv7(), w.organization_id, w.id, wa.asset_id, w.number, w.title,
       coalesce(w.completed_at, now()), w.completed_by, w.actual_hours, w.problem_code_id,
       w.cause_code_id, w.remedy_code_id
FROM work_orders w
JOIN work_order_assets wa ON wa.organization_id = w.organization_id AND wa.work_order_id = w.id
WHERE w.organization_id = :org AND w.id = :id
RETURNING id
""")
)


async def record_completion(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID
) -> None:
    """One log entry per asset of the work order (none for work on no asset)."""
    await prepared.fetch(session, _RECORD, {"org": organization_id, "id": work_order_id})
