"""Recording the result of a checklist item: checked against the item's kind, judged (a failed
pass/fail or a number outside its limits fails the item), a meter reading stored through the
ingestion rules, and a follow-up work order for a failure when the item or the request asks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.checklist import repository
from maintainpro.checklist.schemas import ItemRead, ResultIn
from maintainpro.checklist.service import check_open
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.meter import ingest
from maintainpro.meter.schemas import ReadingIn
from maintainpro.models import ChecklistItem
from maintainpro.work_order import service as work_orders
from maintainpro.work_order.schemas import WorkOrderCreate, WorkOrderRead

CHOICES = {"pass_fail": ("pass", "fail"), "yes_no": ("yes", "no")}
READING_SOURCE = "checklist"


@dataclass(frozen=True, slots=True)
class Judged:
    status: str
    value: JsonValue
    attachment_id: UUID | None = None


def _wrong(message: str, code: str = "wrong_type", field: str = "value") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


def _number(value: JsonValue) -> float:
    # JSON true/false are not numbers, whatever Python thinks of bool.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong("Expected a number.")
    return float(value)


def _within(item: ChecklistItem, number: float) -> bool:
    low, high = item.min_value, item.max_value
    return (low is None or number >= low) and (high is None or number <= high)


def judge(item: ChecklistItem, value: JsonValue) -> Judged:
    """The status and stored value a result gives the item; a value of the wrong type is a 422
    on `value`."""
    kind = item.kind
    if kind in CHOICES:
        yes, no = CHOICES[kind]
        if value not in (yes, no):
            raise _wrong(f'Expected "{yes}" or "{no}".')
        failed = kind == "pass_fail" and value == no
        return Judged("failed" if failed else "passed" if kind == "pass_fail" else "done", value)
    if kind == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > 2000:
            raise _wrong("Expected text of 1 to 2000 characters.")
        return Judged("done", value.strip())
    if kind == "photo":
        try:
            attachment_id = UUID(value) if isinstance(value, str) else None
        except ValueError:
            attachment_id = None
        if attachment_id is None:
            raise _wrong("Expected the id of an attachment.")
        return Judged("done", str(attachment_id), attachment_id)
    number = _number(value)
    limited = item.min_value is not None or item.max_value is not None
    if not _within(item, number):
        return Judged("failed", number)
    return Judged("passed" if limited or kind == "number" else "done", number)


async def record(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    checklist_id: UUID,
    item_id: UUID,
    data: ResultIn,
) -> ItemRead:
    work_order = await work_orders.read(session, auth, work_order_id)
    check_open(work_order)
    org = work_order.organization_id
    item = await repository.item_for_update(session, org, work_order_id, checklist_id, item_id)
    if item is None:
        raise NotFound("No such checklist item on this work order.")
    judged = judge(item, data.value)
    if judged.attachment_id is not None and not await repository.is_photo_of(
        session, org, judged.attachment_id, work_order_id, item_id
    ):
        message = "No image with this id is attached to the item or its work order."
        raise _wrong(message, "not_found")
    now = datetime.now(UTC)
    if item.kind == "meter_reading":
        item.meter_id = await _read_meter(session, auth, work_order, item, data, judged, now)
    item.status, item.result_value = judged.status, judged.value
    item.result_attachment_id = judged.attachment_id
    item.result_note, item.result_by, item.result_at = data.note, auth.principal.user_id, now
    if judged.status == "failed" and (item.create_follow_up or data.create_follow_up):
        await _follow_up(session, auth, work_order, item)
    await session.flush()
    return ItemRead.model_validate(item)


async def _read_meter(
    session: AsyncSession,
    auth: Authorized,
    work_order: WorkOrderRead,
    item: ChecklistItem,
    data: ResultIn,
    judged: Judged,
    now: datetime,
) -> UUID:
    """Stores the reading on the item's meter (or the one the result names) by the ingestion
    rules; a reading they refuse (a counter running backwards) is a 422 on `value`."""
    meter_id = item.meter_id or data.meter_id
    if meter_id is None:
        raise _wrong("Name the meter this reading is for.", "missing", "meterId")
    if item.meter_id is not None and data.meter_id not in (None, item.meter_id):
        raise _wrong("The item reads another meter.", "invalid", "meterId")
    found = await repository.meters_on(
        session, work_order.organization_id, [meter_id], work_order.asset_ids
    )
    if meter_id not in found:
        raise _wrong("Not a live meter of the work order's assets.", "not_found", "meterId")
    assert isinstance(judged.value, float)
    reading = ReadingIn.model_validate(
        {"value": judged.value, "measuredAt": now, "source": READING_SOURCE}
    )
    # The meter is one of the work's assets', which the caller may work on: no asset scope.
    await ingest.record_one(session, replace(auth, scope=Scope.ALL), meter_id, reading)
    return meter_id


async def _follow_up(
    session: AsyncSession, auth: Authorized, work_order: WorkOrderRead, item: ChecklistItem
) -> None:
    """At most one per item: a second failed result keeps the first follow-up."""
    if item.follow_up_work_order_id is not None:
        return
    request = WorkOrderCreate.model_validate(
        {
            "title": f"Follow-up of {work_order.number}: {item.label}"[:200],
            "description": f"Checklist item failed: {item.label} (result: {item.result_value}).",
            "type": "corrective",
            "priority": work_order.priority,
            "assetIds": work_order.asset_ids,
            "locationId": work_order.location_id,
            "parentWorkOrderId": work_order.id,
        }
    )
    created = await work_orders.create(session, auth, request)
    item.follow_up_work_order_id = created.id
