"""The entity a rule looks at, as the API shows it (so conditions name what clients see): one
statement per load, the work order with its linked ids."""

from __future__ import annotations

from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.inventory.schemas import PartRead
from maintainpro.models import OutboxEvent, Part, WorkOrder
from maintainpro.work_order.repository import READ_COLUMNS
from maintainpro.work_order.schemas import WorkOrderRead

Entity = dict[str, JsonValue]


def entity_id_of(event: OutboxEvent) -> UUID | None:
    """The entity the event is about; a PM occurrence's is the work order it created."""
    if event.event_type != "pm.occurrence_created":
        return event.entity_id
    work_order = event.payload.get("workOrderId")
    return UUID(str(work_order)) if work_order else None


async def load(
    session: AsyncSession,
    organization_id: UUID,
    entity_type: str,
    entity_id: UUID,
    *,
    lock: bool = False,
) -> Entity | None:
    """The live entity; `lock` holds a work order for the changes the actions make."""
    if entity_type == "part":
        part = await session.scalar(
            select(Part).where(
                Part.organization_id == organization_id,
                Part.id == entity_id,
                Part.deleted_at.is_(None),
            )
        )
        return None if part is None else PartRead.model_validate(part).model_dump(mode="json")
    statement = select(*READ_COLUMNS).where(
        WorkOrder.organization_id == organization_id,
        WorkOrder.id == entity_id,
        WorkOrder.deleted_at.is_(None),
    )
    if lock:
        statement = statement.with_for_update(of=WorkOrder, key_share=True)
    row = (await session.execute(statement)).mappings().first()
    return None if row is None else WorkOrderRead.model_validate(dict(row)).model_dump(mode="json")


def label(entity_type: str, entity: Entity) -> str:
    """How a notification names the entity."""
    if entity_type == "part":
        return f"{entity.get('partNumber')} {entity.get('name')}"
    return f"{entity.get('number')} {entity.get('title')}"
