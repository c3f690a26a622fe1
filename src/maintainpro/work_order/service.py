"""Work orders (C3): create, read, change, delete. Status changes live in `transitions.py`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.checklist import templates
from maintainpro.core import context
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.inventory import reservations
from maintainpro.models import WorkOrder
from maintainpro.models.base import new_id
from maintainpro.work_order import downtime, repository
from maintainpro.work_order.machine import SUPERVISORS
from maintainpro.work_order.references import CODE_FIELDS, Named, check, check_site_scope
from maintainpro.work_order.schemas import WorkOrderCreate, WorkOrderRead, WorkOrderUpdate

# A problem may be reported a little ahead of the server's clock, not later than that.
CLOCK_SKEW = timedelta(minutes=5)
REQUIRED = frozenset({"title", "type", "priority"})


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


async def read(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, *, lock: bool = False
) -> WorkOrderRead:
    """One work order the caller may see (or, with `lock`, change), as the response shows it."""
    row = await repository.read_by_id(session, auth, work_order_id, lock=lock)
    if row is None:
        raise NotFound("No such work order.")
    return WorkOrderRead.model_validate(row)


def as_creator(auth: Authorized) -> Authorized:
    """What the creator of a work order sees of it right after creating it (the whole row),
    whatever their read scope (a technician files work they are not assigned)."""
    return replace(auth, scope=Scope.ALL)


def _codes(data: WorkOrderCreate | WorkOrderUpdate) -> dict[str, UUID]:
    given = data.model_dump(include=set(CODE_FIELDS), exclude_none=True)
    return {name: value for name, value in given.items() if isinstance(value, UUID)}


async def create(session: AsyncSession, auth: Authorized, data: WorkOrderCreate) -> WorkOrderRead:
    principal = auth.principal
    data, template = await templates.apply(session, auth, data)
    assigned = bool(data.assignee_ids) or data.team_id is not None
    if assigned and principal.role not in SUPERVISORS:
        raise _invalid("assigneeIds", "Only supervisors and above assign work.", "not_allowed")
    now = datetime.now(UTC)
    if data.reported_at is not None and data.reported_at > now + CLOCK_SKEW:
        raise _invalid("reportedAt", "Cannot be in the future.", "in_future")
    if data.asset_down and not data.asset_ids:
        raise _invalid("assetDown", "Name the assets that are down in assetIds.", "no_assets")
    named = Named(
        location_id=data.location_id,
        asset_ids=data.asset_ids,
        assignee_ids=data.assignee_ids,
        requester_id=data.requester_id,
        team_id=data.team_id,
        codes=_codes(data),
        parent_id=data.parent_work_order_id,
    )
    site_id = await check(session, auth, named)
    check_site_scope(
        auth, site_id, "assetIds" if data.asset_ids and not data.location_id else "locationId"
    )
    work_order_id = new_id()
    values = data.model_dump(exclude={"asset_ids", "assignee_ids"})
    values.update(
        id=work_order_id,
        org=principal.organization_id,
        actor=principal.user_id,
        site_id=site_id,
        status="assigned" if assigned else "new",
        requester_id=data.requester_id or principal.user_id,
        template_id=data.template_id,
        asset_ids=list(dict.fromkeys(data.asset_ids)),
        assignee_ids=list(dict.fromkeys(data.assignee_ids)),
        request_id=context.current().request_id,
    )
    created = await repository.insert(session, values)
    if template is not None:
        await templates.copy_checklists(session, principal.organization_id, work_order_id, template)
        await reservations.plan_from_template(
            session,
            principal.organization_id,
            work_order_id,
            site_id,
            template.planned_parts,
            principal.user_id,
        )
    if data.asset_down:
        reported = created["reported_at"]
        assert isinstance(reported, datetime)
        await downtime.open_for(session, principal.organization_id, work_order_id, reported)
    # Neither the checklists nor the downtime event change the row: it is the creator's view.
    return WorkOrderRead.model_validate(created)


async def update(
    session: AsyncSession,
    auth: Authorized,
    work_order_id: UUID,
    data: WorkOrderUpdate,
    *,
    version: int | None,
) -> WorkOrderRead:
    current = await read(session, auth, work_order_id, lock=True)
    check_version(version, current.version, what="work order")
    changes = data.model_dump(exclude_unset=True)
    for name in REQUIRED & changes.keys():
        if changes[name] is None:
            raise _invalid(to_camel(name), "Cannot be null.", "null")
    for name in ("asset_ids", "assignee_ids"):
        if name in changes and changes[name] is None:
            changes[name] = []
    for name in ("assignee_ids", "team_id"):
        if name in changes and auth.principal.role not in SUPERVISORS:
            message = "Only supervisors and above assign work."
            raise _invalid(to_camel(name), message, "not_allowed")
    named = Named(
        location_id=changes.get("location_id"),
        asset_ids=changes.get("asset_ids") or (),
        assignee_ids=changes.get("assignee_ids") or (),
        team_id=changes.get("team_id"),
        codes=_codes(data),
    )
    site_id = await check(session, auth, named)
    if {"location_id", "asset_ids"} & changes.keys():
        site_id = await _site_after(session, auth, current, changes, site_id)
        check_site_scope(auth, site_id, "locationId" if "location_id" in changes else "assetIds")
        changes["site_id"] = site_id
    _check_window(current, changes)
    asset_ids, assignee_ids = changes.pop("asset_ids", None), changes.pop("assignee_ids", None)
    if changes:
        await _write(session, auth, work_order_id, changes)
    else:
        await _touch(session, auth, work_order_id)
    await repository.replace_links(
        session,
        auth.principal.organization_id,
        work_order_id,
        asset_ids=None if asset_ids is None else list(dict.fromkeys(asset_ids)),
        assignee_ids=None if assignee_ids is None else list(dict.fromkeys(assignee_ids)),
    )
    return await read(session, as_creator(auth), work_order_id)


async def _site_after(
    session: AsyncSession,
    auth: Authorized,
    current: WorkOrderRead,
    changes: dict[str, object],
    checked_site: UUID | None,
) -> UUID | None:
    """The site once the change applies: of the location if there is one, else the first
    asset's."""
    location = changes.get("location_id", current.location_id)
    if "location_id" in changes and location is not None:
        return checked_site
    assets = changes.get("asset_ids", current.asset_ids)
    assert isinstance(assets, list)
    named = Named(location_id=location if isinstance(location, UUID) else None, asset_ids=assets)
    return await check(session, auth, named)


def _check_window(current: WorkOrderRead, changes: dict[str, object]) -> None:
    start = changes.get("scheduled_start_at", current.scheduled_start_at)
    end = changes.get("scheduled_end_at", current.scheduled_end_at)
    if isinstance(start, datetime) and isinstance(end, datetime) and end < start:
        raise _invalid("scheduledEndAt", "Must not be before scheduledStartAt.", "before_start")


_COLUMNS = frozenset(column.key for column in WorkOrder.__table__.c)


async def _write(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, changes: dict[str, object]
) -> None:
    assert changes.keys() <= _COLUMNS
    assignments = [f"{name} = :{name}" for name in sorted(changes)]
    assignments += ["version = version + 1", "updated_at = now()", "updated_by = :actor"]
    await session.execute(
        text(
            f"UPDATE work_orders SET {', '.join(assignments)}"
            " WHERE organization_id = :org AND id = :id"
        ),
        {
            **changes,
            "org": auth.principal.organization_id,
            "id": work_order_id,
            "actor": auth.principal.user_id,
        },
    )


async def _touch(session: AsyncSession, auth: Authorized, work_order_id: UUID) -> None:
    """A change of links only is still a change of the work order: a new version."""
    await _write(session, auth, work_order_id, {})


async def delete(session: AsyncSession, auth: Authorized, work_order_id: UUID) -> None:
    """Soft delete; its number stays taken."""
    await read(session, auth, work_order_id, lock=True)
    await _write(session, auth, work_order_id, {"deleted_at": datetime.now(UTC)})
