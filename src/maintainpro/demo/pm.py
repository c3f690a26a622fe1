"""The demo's preventive maintenance: one schedule of each trigger kind on the plant, from
templates with checklists and estimates. A weekly walk is already due, so the worker started
beside the API generates its first work order within a minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import acting_for
from maintainpro.checklist import templates
from maintainpro.checklist.schemas import TemplateCreate
from maintainpro.core import context
from maintainpro.models import PmSchedule
from maintainpro.pm import service
from maintainpro.pm.schemas import ScheduleCreate

# The first machine of NORTH with both demo meters.
_MACHINE = text("""
SELECT a.id AS asset_id,
       max(m.id::text) FILTER (WHERE m.kind = 'counter') AS counter_id,
       max(m.id::text) FILTER (WHERE m.kind = 'gauge') AS gauge_id
FROM assets a
JOIN meters m ON m.organization_id = a.organization_id AND m.asset_id = a.id
JOIN locations s ON s.organization_id = a.organization_id AND s.id = a.site_id
WHERE a.organization_id = :org AND s.code = 'NORTH' AND a.deleted_at IS NULL
GROUP BY a.id, a.code
HAVING count(DISTINCT m.kind) = 2
ORDER BY a.code
LIMIT 1
""")


def _template(title: str, hours: str, items: list[str], **extra: object) -> TemplateCreate:
    checklist = {"name": title, "items": [{"label": item, "kind": "pass_fail"} for item in items]}
    return TemplateCreate.model_validate(
        {
            "title": title,
            "type": "preventive",
            "estimatedHours": hours,
            "checklists": [checklist],
            **extra,
        }
    )


def _schedules(
    now: datetime, zone: ZoneInfo, counter: str, gauge: str
) -> list[tuple[TemplateCreate, dict[str, Any]]]:
    today = now.astimezone(zone).replace(hour=6, minute=0, second=0, microsecond=0)
    month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return [
        (
            _template("Weekly safety walk", "0.5", ["Guards in place", "Emergency stops tested"]),
            {
                "trigger": {"kind": "time", "rule": "FREQ=WEEKLY", "start": _naive(today)},
                "leadDays": 1,
            },
        ),
        (
            _template("Monthly lubrication", "1.5", ["Bearings greased", "Chain oiled"]),
            {
                "trigger": {
                    "kind": "time",
                    "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                    "start": _naive(month),
                },
                "leadDays": 3,
            },
        ),
        (
            _template("Filter change", "1", ["Old filter removed", "New filter fitted"]),
            {
                "trigger": {
                    "kind": "time",
                    "mode": "floating",
                    "every": 30,
                    "start": _naive(today + timedelta(days=10)),
                },
            },
        ),
        (
            _template("500-hour service", "3", ["Oil changed", "Belts checked"]),
            {"trigger": {"kind": "meter", "meterId": counter, "every": 500}},
        ),
        (
            _template("Bearing temperature check", "1", ["Bearing inspected", "Cause found"]),
            {"trigger": {"kind": "condition", "meterId": gauge, "above": 70, "rearm": 62}},
        ),
        (
            _template("Quarterly overhaul", "6", ["Wear parts replaced", "Alignment checked"]),
            {
                "trigger": {
                    "kind": "time_or_meter",
                    "start": _naive(month),
                    "every": 3,
                    "unit": "month",
                    "meterId": counter,
                    "meterEvery": 1500,
                },
                "leadDays": 7,
            },
        ),
    ]


def _naive(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat()


async def seed_pm(
    session: AsyncSession, organization_id: UUID, admin_id: UUID, zone: ZoneInfo
) -> None:
    """Idempotent: an organization with any schedule is left alone."""
    if await session.scalar(
        select(PmSchedule.id).where(PmSchedule.organization_id == organization_id).limit(1)
    ):
        return
    machine = (await session.execute(_MACHINE, {"org": organization_id})).first()
    if machine is None:
        return
    auth = acting_for(admin_id, organization_id)
    with context.scoped(user_id=admin_id):
        plan = _schedules(datetime.now(UTC), zone, machine.counter_id, machine.gauge_id)
        for template_body, schedule_body in plan:
            template = await templates.create(session, auth, template_body)
            body = {
                "name": template.title,
                "templateId": template.id,
                "assetIds": [machine.asset_id],
                **schedule_body,
            }
            await service.create(session, auth, ScheduleCreate.model_validate(body))
