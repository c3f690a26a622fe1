from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from maintainpro.core.schemas import ReadSchema


class MaintenanceLogRead(ReadSchema):
    id: UUID
    organization_id: UUID
    work_order_id: UUID
    asset_id: UUID
    work_order_number: str
    summary: str
    completed_at: datetime
    completed_by: UUID | None
    hours: Decimal
    problem_code_id: UUID | None
    cause_code_id: UUID | None
    remedy_code_id: UUID | None
    created_at: datetime
