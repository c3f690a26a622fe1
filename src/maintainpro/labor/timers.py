"""Timers: one running per person across every work order, which the database enforces (the
partial unique index `uq_labor_entries_organization_id_user_id_running`). A start that finds
one running is refused naming it, or, with `switch`, stops it first in the same transaction;
of concurrent starts by one person exactly one wins, the others are refused alike."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import (
    Conflict,
    FieldError,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from maintainpro.labor import rates
from maintainpro.labor.schemas import TimerStart
from maintainpro.models import LaborEntry, WorkOrder
from maintainpro.models.labor import RUNNING
from maintainpro.work_order import service as work_order_service
from maintainpro.work_order.machine import OPEN


def _running(organization_id: UUID, user_id: UUID) -> Select[LaborEntry]:
    return (
        select(LaborEntry)
        .where(
            LaborEntry.organization_id == organization_id,
            LaborEntry.user_id == user_id,
            LaborEntry.ended_at.is_(None),
            LaborEntry.deleted_at.is_(None),
        )
        .execution_options(populate_existing=True)
    )


async def current(session: AsyncSession, auth: Authorized) -> LaborEntry | None:
    """The caller's running timer, if any."""
    principal = auth.principal
    return await session.scalar(_running(principal.organization_id, principal.user_id))


def _already_running(entry: LaborEntry) -> Conflict:
    message = "Your timer is already running on another work order; stop it or switch."
    return Conflict(
        message,
        [FieldError("workOrderId", message, "timer_running")],
        extensions={
            "runningTimer": {
                "id": str(entry.id),
                "workOrderId": str(entry.work_order_id),
                "startedAt": entry.started_at.isoformat(),
            }
        },
    )


async def _lock_work_orders(session: AsyncSession, organization_id: UUID, *ids: UUID) -> None:
    """In id order, so two people switching between the same two work orders cannot
    deadlock."""
    await session.execute(
        select(WorkOrder.id)
        .where(WorkOrder.organization_id == organization_id, WorkOrder.id.in_(sorted(set(ids))))
        .order_by(WorkOrder.id)
        .with_for_update(key_share=True)
    )


_STOP = (
    update(LaborEntry)
    .values(
        ended_at=func.greatest(func.now(), LaborEntry.started_at),
        version=LaborEntry.version + 1,
        updated_at=func.now(),
        updated_by=func.nullif(func.current_setting("app.user_id", True), "").cast(
            LaborEntry.updated_by.type
        ),
    )
    .where(LaborEntry.ended_at.is_(None), LaborEntry.deleted_at.is_(None))
    .execution_options(synchronize_session=False)
)


async def _stop(session: AsyncSession, entry: LaborEntry) -> bool:
    result = await session.execute(
        _STOP.where(LaborEntry.organization_id == entry.organization_id, LaborEntry.id == entry.id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult for DML


async def start(session: AsyncSession, auth: Authorized, data: TimerStart) -> LaborEntry:
    """Needs UPDATE on the work order (a technician: work assigned to them), open work only;
    any other id is a 422 on `workOrderId`."""
    principal = auth.principal
    org = principal.organization_id
    running = await current(session, auth)
    if running is not None and not data.switch:
        raise _already_running(running)
    others = () if running is None else (running.work_order_id,)
    await _lock_work_orders(session, org, data.work_order_id, *others)
    try:
        work_order = await work_order_service.read(session, auth, data.work_order_id)
    except NotFound as exc:  # a missing id in a body is a field error, as elsewhere
        message = "No such work order, or not one you may work on."
        raise ValidationFailed(message, [FieldError("workOrderId", message, "unknown")]) from exc
    if work_order.status not in OPEN:
        raise InvalidState(f"The work order is {work_order.status}: no timer can run on it.")
    if running is not None:
        await _stop(session, running)
    priced = await rates.resolve(session, org, principal.user_id, data.craft_id)
    started = await session.scalar(
        insert(LaborEntry)
        .values(
            organization_id=org,
            work_order_id=work_order.id,
            user_id=principal.user_id,
            craft_id=priced.craft_id,
            hourly_rate=priced.hourly_rate,
            started_at=func.now(),
            note=data.note,
            source="timer",
        )
        .on_conflict_do_nothing(
            index_elements=["organization_id", "user_id"], index_where=text(RUNNING)
        )
        .returning(LaborEntry.id)
    )
    after = await current(session, auth)
    assert after is not None, "a timer runs: this one, or a concurrent start's"
    if started is None:  # a concurrent start won
        raise _already_running(after)
    return after


async def stop(session: AsyncSession, auth: Authorized) -> LaborEntry:
    """Stops the caller's timer wherever it runs (even on work no longer assigned to them)."""
    running = await current(session, auth)
    if running is not None:
        await _lock_work_orders(session, running.organization_id, running.work_order_id)
    if running is None or not await _stop(session, running):
        message = "No timer of yours is running."
        raise Conflict(message, [FieldError("timer", message, "not_running")])
    await session.refresh(running)
    return running


async def stop_on(session: AsyncSession, organization_id: UUID, work_order_id: UUID) -> None:
    """Stops every timer running on a work order (it was completed or cancelled); the caller
    holds the work order's row lock."""
    await session.execute(
        _STOP.where(
            LaborEntry.organization_id == organization_id,
            LaborEntry.work_order_id == work_order_id,
        )
    )
