"""PM schedules (C6): create, read, change, pause, delete. What a schedule generates is
`generate.py`'s; how its clock starts and restarts is `state.py`'s."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Page, rows_by_id
from maintainpro.models import PmSchedule, PmScheduleAsset
from maintainpro.pm import calendar, state
from maintainpro.pm.schemas import ScheduleCreate, ScheduleFilter, ScheduleRead, ScheduleUpdate
from maintainpro.pm.triggers import MeterBased, Trigger
from maintainpro.work_order.references import check_site_scope

# Every reference of a schedule in one round trip: live, in the tenant, of the right kind.
_REFERENCES = text("""
SELECT
  EXISTS (SELECT FROM work_order_templates t WHERE t.organization_id = :org
          AND t.id = :template AND t.deleted_at IS NULL) AS template_found,
  (SELECT count(*) FROM assets a WHERE a.organization_id = :org
     AND a.id = ANY(CAST(:assets AS uuid[])) AND a.deleted_at IS NULL) AS assets_found,
  (SELECT array_agg(DISTINCT a.site_id) FROM assets a WHERE a.organization_id = :org
     AND a.id = ANY(CAST(:assets AS uuid[])) AND a.deleted_at IS NULL) AS sites,
  (SELECT m.kind FROM meters m WHERE m.organization_id = :org AND m.id = CAST(:meter AS uuid)
     AND m.deleted_at IS NULL AND m.asset_id = ANY(CAST(:assets AS uuid[]))) AS meter_kind,
  CAST(:craft AS uuid) IS NULL OR EXISTS (SELECT FROM crafts c WHERE c.organization_id = :org
     AND c.id = CAST(:craft AS uuid) AND c.deleted_at IS NULL) AS craft_found
""")
_ASSETS_OF = text("""
SELECT schedule_id, array_agg(asset_id ORDER BY asset_id) AS asset_ids
FROM pm_schedule_assets
WHERE organization_id = :org AND schedule_id = ANY(CAST(:ids AS uuid[]))
GROUP BY schedule_id
""")


def _invalid(field: str, message: str, code: str = "not_found") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


def visible(auth: Authorized) -> Select[PmSchedule]:
    statement = select(PmSchedule).where(
        PmSchedule.organization_id == auth.principal.organization_id,
        PmSchedule.deleted_at.is_(None),
    )
    if auth.scope is Scope.SITE:
        statement = statement.where(PmSchedule.site_id.in_(auth.principal.site_ids))
    return statement


async def get(
    session: AsyncSession, auth: Authorized, schedule_id: UUID, *, lock: bool = False
) -> PmSchedule:
    statement = visible(auth).where(PmSchedule.id == schedule_id)
    schedule = await session.scalar(statement.with_for_update() if lock else statement)
    if schedule is None:
        raise NotFound("No such PM schedule.")
    return schedule


async def _site_of(
    session: AsyncSession,
    auth: Authorized,
    template_id: UUID,
    asset_ids: list[UUID],
    trigger: Trigger,
    craft_id: UUID | None,
) -> UUID:
    """The one site of the schedule's assets, every reference checked (422 naming it)."""
    meter_id = trigger.meter_id if isinstance(trigger, MeterBased) else None
    row = (
        await session.execute(
            _REFERENCES,
            {
                "org": auth.principal.organization_id,
                "template": template_id,
                "assets": asset_ids,
                "meter": meter_id,
                "craft": craft_id,
            },
        )
    ).one()
    if not row.template_found:
        raise _invalid("templateId", "No live work order template has this id.")
    if row.assets_found != len(asset_ids):
        raise _invalid("assetIds", "Every asset must exist and be live.")
    sites = [site for site in row.sites or () if site is not None]
    if len(sites) != 1 or len(row.sites) != 1:
        message = "The assets of one schedule belong to one site."
        raise _invalid("assetIds", message, "several_sites")
    if meter_id is not None:
        wanted = "gauge" if trigger.kind == "condition" else "counter"
        if row.meter_kind is None:
            raise _invalid("trigger.meterId", "No live meter of the schedule's assets has this id.")
        if row.meter_kind != wanted:
            message = f"A {trigger.kind} trigger reads a {wanted}."
            raise _invalid("trigger.meterId", message, "wrong_kind")
    if not row.craft_found:
        raise _invalid("craftId", "No live craft has this id.")
    site_id = sites[0]
    assert isinstance(site_id, UUID)
    check_site_scope(auth, site_id, "assetIds")
    return site_id


async def _set_assets(session: AsyncSession, schedule: PmSchedule, asset_ids: list[UUID]) -> None:
    await session.execute(
        delete(PmScheduleAsset).where(
            PmScheduleAsset.organization_id == schedule.organization_id,
            PmScheduleAsset.schedule_id == schedule.id,
        )
    )
    session.add_all(
        PmScheduleAsset(
            organization_id=schedule.organization_id, schedule_id=schedule.id, asset_id=asset_id
        )
        for asset_id in dict.fromkeys(asset_ids)
    )


async def create(session: AsyncSession, auth: Authorized, data: ScheduleCreate) -> ScheduleRead:
    site_id = await _site_of(
        session, auth, data.template_id, data.asset_ids, data.trigger, data.craft_id
    )
    schedule = PmSchedule(
        organization_id=auth.principal.organization_id,
        name=data.name,
        template_id=data.template_id,
        site_id=site_id,
        craft_id=data.craft_id,
        lead_days=data.lead_days,
        missed_policy=data.missed,
        paused_at=datetime.now(UTC) if data.paused else None,
    )
    await state.start(session, schedule, data.trigger)
    session.add(schedule)
    await session.flush()
    await _set_assets(session, schedule, data.asset_ids)
    await session.flush()
    await calendar.refresh(session, schedule)
    return (await read_many(session, [schedule]))[0]


async def update(
    session: AsyncSession,
    auth: Authorized,
    schedule_id: UUID,
    data: ScheduleUpdate,
    *,
    version: int | None,
) -> ScheduleRead:
    schedule = await get(session, auth, schedule_id, lock=True)
    check_version(version, schedule.version, what="PM schedule")
    changes = data.model_dump(exclude_unset=True)
    for name, field in (
        ("name", "name"),
        ("template_id", "templateId"),
        ("asset_ids", "assetIds"),
        ("trigger", "trigger"),
        ("lead_days", "leadDays"),
        ("missed", "missed"),
        ("paused", "paused"),
    ):
        if name in changes and changes[name] is None:
            raise _invalid(field, "Cannot be null.", "null")
    trigger = data.trigger or state.trigger_of(schedule)
    asset_ids = data.asset_ids or await assets_of(session, schedule)
    if changes.keys() & {"template_id", "asset_ids", "trigger", "craft_id"}:
        schedule.site_id = await _site_of(
            session,
            auth,
            data.template_id or schedule.template_id,
            asset_ids,
            trigger,
            changes.get("craft_id", schedule.craft_id),
        )
    _apply(schedule, changes)
    if data.trigger is not None:
        await state.start(session, schedule, data.trigger)
    elif "lead_days" in changes:
        state.set_generate_at(schedule)
    if data.asset_ids is not None:
        await _set_assets(session, schedule, data.asset_ids)
    await session.flush()
    await calendar.refresh(session, schedule)
    return (await read_many(session, [schedule]))[0]


def _apply(schedule: PmSchedule, changes: dict[str, Any]) -> None:
    for name in ("name", "template_id", "craft_id", "lead_days"):
        if name in changes:
            setattr(schedule, name, changes[name])
    if "missed" in changes:
        schedule.missed_policy = changes["missed"]
    if "paused" in changes and changes["paused"] != (schedule.paused_at is not None):
        schedule.paused_at = datetime.now(UTC) if changes["paused"] else None


async def remove(session: AsyncSession, auth: Authorized, schedule_id: UUID) -> None:
    """Soft delete: the work it generated keeps naming it; its upcoming events go."""
    schedule = await get(session, auth, schedule_id, lock=True)
    schedule.deleted_at = datetime.now(UTC)
    await calendar.clear(session, schedule)
    await session.flush()


async def assets_of(session: AsyncSession, schedule: PmSchedule) -> list[UUID]:
    found = await _assets_by_schedule(session, schedule.organization_id, [schedule.id])
    return found.get(schedule.id, [])


async def _assets_by_schedule(
    session: AsyncSession, organization_id: UUID, ids: list[UUID]
) -> dict[UUID, list[UUID]]:
    rows = await session.execute(_ASSETS_OF, {"org": organization_id, "ids": ids})
    return {row.schedule_id: list(row.asset_ids) for row in rows}


async def read_many(session: AsyncSession, schedules: list[PmSchedule]) -> list[ScheduleRead]:
    """The schedules as the API shows them: their assets and meter projections read in one
    query each for the whole list."""
    if not schedules:
        return []
    org = schedules[0].organization_id
    assets = await _assets_by_schedule(session, org, [s.id for s in schedules])
    projected = await state.projections(session, org, schedules)
    return [
        ScheduleRead.model_validate(
            {
                **{name: getattr(s, name) for name in _COPIED},
                "asset_ids": assets.get(s.id, []),
                "trigger": state.wire_trigger(s),
                "missed": s.missed_policy,
                "paused": s.paused_at is not None,
                "projected_due_at": pace.due_at if (pace := projected.get(s.id)) else None,
            }
        )
        for s in schedules
    ]


_COPIED = tuple(
    name
    for name in ScheduleRead.model_fields
    if name not in {"asset_ids", "trigger", "missed", "paused", "projected_due_at"}
)


async def list_schedules(
    session: AsyncSession, auth: Authorized, query: ScheduleFilter
) -> Page[ScheduleRead]:
    statement = visible(auth)
    if query.template_id is not None:
        statement = statement.where(PmSchedule.template_id == query.template_id)
    if query.asset_id is not None:
        statement = statement.where(
            PmSchedule.id.in_(
                select(PmScheduleAsset.schedule_id).where(
                    PmScheduleAsset.organization_id == auth.principal.organization_id,
                    PmScheduleAsset.asset_id == query.asset_id,
                )
            )
        )
    rows, next_cursor = await rows_by_id(session, statement, PmSchedule.id, query)
    return Page(items=await read_many(session, rows), next_cursor=next_cursor)
