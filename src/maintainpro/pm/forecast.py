"""GET /pm-forecast: the occurrences the caller's schedules will have in a window (a year by
default) with the template's estimated hours, and the load per month, site and craft, so
planners see what is coming. Three queries whatever the number of schedules."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.models import PmSchedule, WorkOrderTemplate
from maintainpro.pm import service, state, upcoming
from maintainpro.pm.schemas import Forecast, ForecastItem, ForecastQuery, ForecastTotal

DEFAULT_WINDOW = timedelta(days=365)
MAX_WINDOW = timedelta(days=366)
PER_SCHEDULE = 400  # a daily schedule over a year, with room


def _window(query: ForecastQuery) -> tuple[datetime, datetime]:
    since = query.from_ or datetime.now(UTC)
    until = query.to or since + DEFAULT_WINDOW
    if until <= since:
        raise ValidationFailed(
            "Empty window.", [FieldError("to", "Must be after `from`.", "empty")]
        )
    if until - since > MAX_WINDOW:
        message = "The window may span 366 days at most."
        raise ValidationFailed(message, [FieldError("to", message, "too_long")])
    return since, until


async def forecast(session: AsyncSession, auth: Authorized, query: ForecastQuery) -> Forecast:
    since, until = _window(query)
    statement = service.visible(auth).where(PmSchedule.paused_at.is_(None))
    if query.site_id is not None:
        statement = statement.where(PmSchedule.site_id == query.site_id)
    schedules = list(await session.scalars(statement.order_by(PmSchedule.id)))
    org = auth.principal.organization_id
    zone = await state.zone_of(session, org)
    paces = await state.projections(session, org, schedules)
    hours = await _hours(session, org, {s.template_id for s in schedules})
    items: list[ForecastItem] = []
    for s in schedules:
        pace = paces.get(s.id)
        for found in upcoming.occurrences(
            s,
            zone,
            since,
            until,
            pace.due_at if pace else None,
            pace.per_second if pace else None,
            PER_SCHEDULE,
        ):
            items.append(
                ForecastItem(
                    schedule_id=s.id,
                    name=s.name,
                    due_at=found.due_at,
                    site_id=s.site_id,
                    craft_id=s.craft_id,
                    estimated_hours=hours.get(s.template_id),
                    basis=found.basis,
                )
            )
    items.sort(key=lambda item: (item.due_at, item.schedule_id))
    return Forecast(since=since, until=until, items=items, totals=_totals(items, zone))


async def _hours(
    session: AsyncSession, organization_id: UUID, template_ids: set[UUID]
) -> dict[UUID, Decimal | None]:
    if not template_ids:
        return {}
    rows = await session.execute(
        select(WorkOrderTemplate.id, WorkOrderTemplate.estimated_hours).where(
            WorkOrderTemplate.organization_id == organization_id,
            WorkOrderTemplate.id.in_(template_ids),
        )
    )
    return dict(rows.all())


def _totals(items: list[ForecastItem], zone: ZoneInfo) -> list[ForecastTotal]:
    """Occurrences and hours per month (the organization's calendar), site and craft."""
    groups: dict[tuple[date, UUID, UUID | None], list[ForecastItem]] = defaultdict(list)
    for item in items:
        local = item.due_at.astimezone(zone)
        groups[(date(local.year, local.month, 1), item.site_id, item.craft_id)].append(item)
    return [
        ForecastTotal(
            month=month,
            site_id=site_id,
            craft_id=craft_id,
            occurrences=len(group),
            estimated_hours=sum((i.estimated_hours or Decimal(0) for i in group), Decimal(0)),
        )
        for (month, site_id, craft_id), group in sorted(
            groups.items(), key=lambda entry: (entry[0][0], str(entry[0][1]), str(entry[0][2]))
        )
    ]
