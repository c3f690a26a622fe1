"""The downtime a work order reports (`assetDown`): opened on its assets when it is created,
ended when the work is completed or cancelled (C3, C4 availability)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# An asset already down keeps its open event (one open event per asset): the event is linked
# to this work order if it has none yet. The asset rows are locked first, as the downtime
# service does, so a concurrent downtime create cannot open a second event.
_OPEN = text("""
WITH down AS (
  SELECT a.id FROM assets a
  JOIN work_order_assets wa ON wa.organization_id = a.organization_id AND wa.asset_id = a.id
  WHERE wa.organization_id = :org AND wa.work_order_id = :id
  ORDER BY a.id
  FOR NO KEY UPDATE OF a
), linked AS (
  UPDATE downtime_events e SET work_order_id = :id
  FROM down
  WHERE e.organization_id = :org AND e.asset_id = down.id AND e.ended_at IS NULL
    AND e.deleted_at IS NULL AND e.work_order_id IS NULL
  RETURNING e.asset_id
)
INSERT INTO downtime_events (id, organization_id, asset_id, started_at, kind, reason_code,
                             work_order_id, created_by, updated_by)
SELECT app.uuidv7(), :org, down.id, :at, 'unplanned', 'work_order', :id,
       NULLIF(current_setting('app.user_id', true), '')::uuid,
       NULLIF(current_setting('app.user_id', true), '')::uuid
FROM down
WHERE NOT EXISTS (SELECT 1 FROM downtime_events e WHERE e.organization_id = :org
                    AND e.asset_id = down.id AND e.ended_at IS NULL AND e.deleted_at IS NULL)
""")

# Ends at the completion; an event that would end before it started (reported in the future
# within the clock skew) ends one second after its start.
_CLOSE = text("""
UPDATE downtime_events
SET ended_at = greatest(now(), started_at + interval '1 second')
WHERE organization_id = :org AND work_order_id = :id AND ended_at IS NULL
  AND deleted_at IS NULL
""")


async def open_for(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID, at: datetime
) -> None:
    await session.execute(_OPEN, {"org": organization_id, "id": work_order_id, "at": at})


async def close_for(session: AsyncSession, organization_id: UUID, work_order_id: UUID) -> None:
    await session.execute(_CLOSE, {"org": organization_id, "id": work_order_id})
