"""The escalation scan (every minute, in the worker): for each enabled rule, the open work it
watches that has reached a new level on the rule's clock is escalated, once, to the highest
level reached (a new rule or a worker that was down escalates once, not in a burst; the
levels passed over are named in `actions.skipped`). Each work order is escalated in its own
transaction, under its row lock, after the escalation row (unique per rule, level and
sequence) is written: scanners running at once escalate it once. The same pass tells the
people doing work that has just passed its due time (`overdue`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized, acting_for
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.errors import NotFound
from maintainpro.core.logging import get_logger
from maintainpro.escalation import actions, clock
from maintainpro.escalation.actions import Plan
from maintainpro.escalation.schemas import Level
from maintainpro.models import EscalationRule, WorkOrderEscalation
from maintainpro.models.work_order import OPEN, UNACKNOWLEDGED
from maintainpro.notification.audience import DOERS, SITE_SUPERVISORS
from maintainpro.notification.service import Message, notify
from maintainpro.work_order import service as work_orders
from maintainpro.work_order.schemas import WorkOrderRead

log = get_logger(__name__)
BATCH = 5000  # work orders per rule and pass, the longest waiting first
# Overdue notices go out for work whose due time passed within this window: a worker down
# for longer sends no stale notices (the escalation rules still escalate).
OVERDUE_WINDOW = timedelta(hours=1)
NOTICES = uuid5(UUID(int=0), "maintainpro.overdue")

_SETTINGS = text("SELECT timezone, settings FROM organizations WHERE id = :org")
# Per trigger: the statuses watched and the moment the clock starts. The predicates repeat
# the partial indexes' (`ix_work_orders_organization_id_open_due`, `..._unacknowledged`).
_WATCHED = {
    "overdue": (f"w.due_at IS NOT NULL AND w.status IN {OPEN}", "w.due_at"),
    "unacknowledged": (f"w.status IN {UNACKNOWLEDGED}", "w.reported_at"),
}


def _candidates(trigger: str) -> Any:
    watched, since = _WATCHED[trigger]
    return text(f"""
SELECT w.id, {since} AS since, last.level, last.sequence
FROM work_orders w
LEFT JOIN LATERAL (
  SELECT e.level, e.sequence FROM work_order_escalations e
  WHERE e.organization_id = w.organization_id AND e.work_order_id = w.id
    AND e.rule_id = :rule AND e.kind = 'automatic'
  ORDER BY e.level DESC, e.sequence DESC LIMIT 1) last ON true
WHERE w.organization_id = :org AND w.deleted_at IS NULL AND {watched}
  AND {since} <= :started_by
  AND (CAST(:types AS text[]) IS NULL OR w.type = ANY(CAST(:types AS text[])))
  AND (CAST(:priorities AS text[]) IS NULL OR w.priority = ANY(CAST(:priorities AS text[])))
  AND (CAST(:site AS uuid) IS NULL OR w.site_id = :site)
  AND (:repeats OR last.level IS DISTINCT FROM :top)
ORDER BY {since}
LIMIT :batch
""")


_CANDIDATES = {trigger: _candidates(trigger) for trigger in _WATCHED}
# Work just past due with who does it (in person or through its team), else the supervisors
# of its site.
_JUST_OVERDUE = text(f"""
SELECT w.id, w.due_at, w.number, w.title,
       coalesce(nullif(array({DOERS}), '{{}}'), array({SITE_SUPERVISORS})) AS people
FROM work_orders w
WHERE w.organization_id = :org AND w.deleted_at IS NULL
  AND w.due_at IS NOT NULL AND w.status IN {OPEN}
  AND w.due_at <= :now AND w.due_at > :since
""")


@dataclass(frozen=True, slots=True)
class Step:
    """A point on a rule's ladder: a level (from 1) and its re-escalation count."""

    level: int
    sequence: int


def reached(levels: list[Level], repeat_minutes: int | None, elapsed: float) -> Step | None:
    """The highest step `elapsed` minutes of the clock have reached, if any."""
    passed = [i for i, level in enumerate(levels, start=1) if level.after_minutes <= elapsed]
    if not passed:
        return None
    top = passed[-1]
    if top < len(levels) or repeat_minutes is None:
        return Step(top, 0)
    return Step(top, math.floor((elapsed - levels[-1].after_minutes) / repeat_minutes))


@dataclass(frozen=True, slots=True)
class Organization:
    zone: ZoneInfo
    hours: clock.BusinessHours


async def _organization(session: AsyncSession, organization_id: UUID) -> Organization:
    row = (await session.execute(_SETTINGS, {"org": organization_id})).one()
    return Organization(ZoneInfo(row.timezone or "UTC"), clock.business_hours(row.settings or {}))


def _plan(level: Level) -> Plan:
    return Plan(
        audiences=frozenset(level.notify),
        user_ids=list(level.notify_user_ids),
        reassign_user_id=level.reassign_user_id,
        reassign_team_id=level.reassign_team_id,
        raise_priority=level.raise_priority,
    )


def _still_watched(rule: EscalationRule, work_order: WorkOrderRead, now: datetime) -> bool:
    """The candidate read before the lock may have moved on since."""
    if rule.trigger == "overdue":
        due = work_order.due_at
        return work_order.status in OPEN and due is not None and due <= now
    return work_order.status in UNACKNOWLEDGED


async def _escalate_one(
    session: AsyncSession,
    auth: Authorized,
    rule: EscalationRule,
    levels: list[Level],
    work_order_id: UUID,
    step: Step,
    skipped: list[int],
    now: datetime,
) -> WorkOrderEscalation | None:
    """Under the work order's lock: the row first, then (if this call wrote it) the actions."""
    work_order = await work_orders.read(session, auth, work_order_id, lock=True)
    if not _still_watched(rule, work_order, now):
        return None
    written = await session.scalar(
        insert(WorkOrderEscalation)
        .values(
            organization_id=rule.organization_id,
            work_order_id=work_order_id,
            rule_id=rule.id,
            kind="automatic",
            level=step.level,
            sequence=step.sequence,
            reason=f"{rule.name}: {rule.trigger}",
        )
        .on_conflict_do_nothing()
        .returning(WorkOrderEscalation.id)
    )
    if written is None:
        return None
    escalation = await session.get_one(WorkOrderEscalation, written)
    done = await actions.apply(session, auth, work_order, escalation, _plan(levels[step.level - 1]))
    if skipped:
        escalation.actions = {**done, "skipped": skipped}
    return escalation


async def _due_steps(
    session: AsyncSession,
    rule: EscalationRule,
    levels: list[Level],
    org: Organization,
    now: datetime,
) -> list[tuple[UUID, Step, list[int]]]:
    """The work orders of one rule with a step to take, read in one statement."""
    rows = await session.execute(
        _CANDIDATES[rule.trigger],
        {
            "org": rule.organization_id,
            "rule": rule.id,
            "started_by": now - timedelta(minutes=levels[0].after_minutes),
            "types": rule.work_order_types,
            "priorities": rule.priorities,
            "site": rule.site_id,
            "repeats": rule.repeat_minutes is not None,
            "top": len(levels),
            "batch": BATCH,
        },
    )
    due: list[tuple[UUID, Step, list[int]]] = []
    for work_order_id, since, last_level, last_sequence in rows:
        elapsed = clock.elapsed_minutes(since, now, rule.clock, org.hours, org.zone)
        step = reached(levels, rule.repeat_minutes, elapsed)
        last = Step(last_level, last_sequence) if last_level is not None else Step(0, 0)
        if step is not None and (step.level, step.sequence) > (last.level, last.sequence):
            due.append((work_order_id, step, list(range(last.level + 1, step.level))))
    return due


async def run_organization(
    database: Database, organization_id: UUID, now: datetime | None = None
) -> list[WorkOrderEscalation]:
    """Every enabled rule of the organization, then the overdue notices."""
    moment = now or datetime.now(UTC)
    made: list[WorkOrderEscalation] = []
    with context.scoped(organization_id=organization_id):
        async with transaction(database.sessions) as session:
            org = await _organization(session, organization_id)
            rules = list(
                await session.scalars(
                    select(EscalationRule)
                    .where(
                        EscalationRule.organization_id == organization_id,
                        EscalationRule.enabled,
                        EscalationRule.deleted_at.is_(None),
                    )
                    .order_by(EscalationRule.id)
                )
            )
            session.expunge_all()
        for rule in rules:
            made += await _run_rule(database, rule, org, moment)
        await tell_overdue(database, organization_id, moment)
    return made


async def _run_rule(
    database: Database, rule: EscalationRule, org: Organization, now: datetime
) -> list[WorkOrderEscalation]:
    levels = [Level.model_validate(level) for level in rule.levels]
    async with transaction(database.sessions) as session:
        due = await _due_steps(session, rule, levels, org, now)
    # The scan acts for the rule's last editor (its creator at first).
    user_id = rule.updated_by or rule.created_by
    assert user_id is not None, "rules are written by a person"
    auth = acting_for(user_id, rule.organization_id)
    made: list[WorkOrderEscalation] = []
    for work_order_id, step, skipped in due:
        with context.scoped(user_id=user_id):
            try:
                async with transaction(database.sessions) as session:
                    found = await _escalate_one(
                        session, auth, rule, levels, work_order_id, step, skipped, now
                    )
            except NotFound:
                found = None  # deleted since it was read
        if found is not None:
            made.append(found)
    return made


def _notice_id(work_order_id: UUID, due_at: datetime) -> UUID:
    """One overdue notice per work order and due time: a new due time that passes is told
    again, a scan run twice tells no one twice."""
    return uuid5(NOTICES, f"{work_order_id}:{due_at.isoformat()}")


async def tell_overdue(database: Database, organization_id: UUID, now: datetime) -> int:
    """Tells the people doing each piece of work that just passed its due time (the
    supervisors of its site where nobody is on it yet)."""
    async with transaction(database.sessions) as session:
        rows = list(
            await session.execute(
                _JUST_OVERDUE, {"org": organization_id, "now": now, "since": now - OVERDUE_WINDOW}
            )
        )
        for work_order_id, due_at, number, title, people in rows:
            message = Message(
                type="overdue",
                title=f"{number} is overdue: {title}",
                entity_type="work_order",
                entity_id=work_order_id,
            )
            notice = _notice_id(work_order_id, due_at)
            await notify(session, organization_id, people, message, event_id=notice)
    return len(rows)


async def run_all(database: Database) -> int:
    """The periodic scan: the organizations with an enabled rule or open work past due (a
    definer listing, D4)."""
    async with transaction(database.sessions) as session:
        organizations = list(await session.scalars(text("SELECT app.organizations_to_escalate()")))
    total = 0
    for organization_id in organizations:
        total += len(await run_organization(database, organization_id))
    if total:
        log.info("escalation.escalated", escalations=total)
    return total
