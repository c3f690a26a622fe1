"""Escalation rules (managers and admins write them), their counts per level, and a work
order's escalations for its history. The scan that applies rules is `scan.py`'s."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import FieldError, InvalidState, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Page, PageQuery, rows_by_id
from maintainpro.escalation import actions
from maintainpro.escalation.actions import Plan
from maintainpro.escalation.schemas import (
    EscalateRequest,
    EscalationCounts,
    EscalationRuleCreate,
    EscalationRuleRead,
    EscalationRuleUpdate,
    Level,
    LevelCount,
    RuleCounts,
)
from maintainpro.models import EscalationRule, WorkOrderEscalation
from maintainpro.models.work_order import OPEN
from maintainpro.work_order import service as work_orders
from maintainpro.work_order.schemas import EscalationRead

# Every record a rule names, in one statement: a live site, workers (no requesters), teams.
_NAMED = text("""
SELECT
  EXISTS(SELECT FROM locations l WHERE l.organization_id = :org AND l.id = :site
           AND l.kind = 'site' AND l.deleted_at IS NULL) AS site_found,
  ARRAY(SELECT u.id FROM users u WHERE u.organization_id = :org
          AND u.id = ANY(CAST(:users AS uuid[])) AND u.deleted_at IS NULL AND u.is_active
          AND u.role <> 'requester') AS users,
  ARRAY(SELECT t.id FROM teams t WHERE t.organization_id = :org
          AND t.id = ANY(CAST(:teams AS uuid[])) AND t.deleted_at IS NULL) AS teams
""")
_COUNTS = text("""
SELECT e.rule_id, r.name, e.level, count(*) AS n
FROM work_order_escalations e
LEFT JOIN escalation_rules r ON r.organization_id = e.organization_id AND r.id = e.rule_id
WHERE e.organization_id = :org AND (CAST(:rule AS uuid) IS NULL OR e.rule_id = :rule)
  AND e.created_at >= :since
GROUP BY e.rule_id, r.name, e.level
ORDER BY r.name NULLS LAST, e.rule_id, e.level
""")
MANUAL = "Escalated by hand"
REQUIRED = {"name", "trigger", "clock", "levels", "enabled"}  # PATCH may not null these


async def check_references(
    session: AsyncSession,
    organization_id: UUID,
    *,
    site_id: UUID | None,
    levels: list[Level],
    prefix: str = "levels",
) -> None:
    """Every id the rule names is live in the tenant: 422 naming the field otherwise."""
    users = {f"{prefix}[{i}].reassignUserId": x.reassign_user_id for i, x in enumerate(levels)}
    users |= {
        f"{prefix}[{i}].notifyUserIds[{j}]": user
        for i, x in enumerate(levels)
        for j, user in enumerate(x.notify_user_ids)
    }
    teams = {f"{prefix}[{i}].reassignTeamId": x.reassign_team_id for i, x in enumerate(levels)}
    await _check(session, organization_id, site_id=site_id, users=users, teams=teams)


async def _check(
    session: AsyncSession,
    organization_id: UUID,
    *,
    site_id: UUID | None,
    users: dict[str, UUID | None],
    teams: dict[str, UUID | None],
) -> None:
    row = (
        await session.execute(
            _NAMED,
            {
                "org": organization_id,
                "site": site_id,
                "users": [u for u in users.values() if u],
                "teams": [t for t in teams.values() if t],
            },
        )
    ).one()
    errors = [FieldError("siteId", "No such site.", "not_found")] if site_id and not row[0] else []
    errors += [
        FieldError(where, "No such active user who does work.", "not_found")
        for where, user in users.items()
        if user and user not in row.users
    ]
    errors += [
        FieldError(where, "No such team.", "not_found")
        for where, team in teams.items()
        if team and team not in row.teams
    ]
    if errors:
        raise ValidationFailed("Some referenced records do not exist.", errors)


async def get(
    session: AsyncSession, auth: Authorized, rule_id: UUID, *, lock: bool = False
) -> EscalationRule:
    statement = select(EscalationRule).where(
        EscalationRule.organization_id == auth.principal.organization_id,
        EscalationRule.id == rule_id,
        EscalationRule.deleted_at.is_(None),
    )
    found = await session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        raise NotFound("No such escalation rule.")
    return found


def _stored(levels: list[Level]) -> list[dict[str, object]]:
    return [level.model_dump(mode="json", by_alias=True) for level in levels]


async def create(
    session: AsyncSession, auth: Authorized, data: EscalationRuleCreate
) -> EscalationRuleRead:
    organization_id = auth.principal.organization_id
    await check_references(session, organization_id, site_id=data.site_id, levels=data.levels)
    rule = EscalationRule(
        organization_id=organization_id,
        **data.model_dump(exclude={"levels"}),
        levels=_stored(data.levels),
    )
    session.add(rule)
    await session.flush()
    return EscalationRuleRead.model_validate(rule)


async def update(
    session: AsyncSession,
    auth: Authorized,
    rule_id: UUID,
    data: EscalationRuleUpdate,
    *,
    version: int | None,
) -> EscalationRuleRead:
    rule = await get(session, auth, rule_id, lock=True)
    check_version(version, rule.version, what="escalation rule")
    changes = data.model_dump(exclude_unset=True, exclude={"levels"})
    for name in REQUIRED & data.model_fields_set:
        if getattr(data, name) is None:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
    await check_references(
        session, rule.organization_id, site_id=changes.get("site_id"), levels=data.levels or []
    )
    for name, value in changes.items():
        setattr(rule, name, value)
    if data.levels is not None:
        rule.levels = _stored(data.levels)
    await session.flush()
    return EscalationRuleRead.model_validate(rule)


async def remove(session: AsyncSession, auth: Authorized, rule_id: UUID) -> None:
    """Soft delete: its escalations stay on the work orders' history."""
    rule = await get(session, auth, rule_id, lock=True)
    rule.deleted_at, rule.enabled = datetime.now(UTC), False
    await session.flush()


async def list_rules(
    session: AsyncSession, auth: Authorized, query: PageQuery
) -> Page[EscalationRuleRead]:
    statement = select(EscalationRule).where(
        EscalationRule.organization_id == auth.principal.organization_id,
        EscalationRule.deleted_at.is_(None),
    )
    rows, next_cursor = await rows_by_id(session, statement, EscalationRule.id, query)
    return Page(items=[EscalationRuleRead.model_validate(r) for r in rows], next_cursor=next_cursor)


async def counts(
    session: AsyncSession, auth: Authorized, since: datetime, rule_id: UUID | None = None
) -> EscalationCounts:
    """Escalations since `since` per rule and level, in one grouped query."""
    rows = await session.execute(
        _COUNTS, {"org": auth.principal.organization_id, "rule": rule_id, "since": since}
    )
    grouped: dict[UUID | None, RuleCounts] = {}
    for found_rule, name, level, n in rows:
        entry = grouped.setdefault(
            found_rule,
            RuleCounts(rule_id=found_rule, name=name or MANUAL, levels=[], total=0),
        )
        entry.levels.append(LevelCount(level=level, count=n))
        entry.total += n
    return EscalationCounts(items=list(grouped.values()))


# Escalated by hand, the work's people, its site's supervisors and the managers are told.
BY_HAND_AUDIENCE = frozenset({"assignees", "supervisors", "managers"})
_MANUAL_LEVEL = text(
    "SELECT count(*) + 1 FROM work_order_escalations"
    " WHERE organization_id = :org AND work_order_id = :id AND kind = 'manual'"
)


async def escalate_by_hand(
    session: AsyncSession, auth: Authorized, work_order_id: UUID, data: EscalateRequest
) -> EscalationRead:
    """Open work in the caller's scope, under its row lock: each escalation by hand is the
    next manual level of that work order."""
    work_order = await work_orders.read(session, auth, work_order_id, lock=True)
    if work_order.status not in OPEN:
        raise InvalidState(f"A {work_order.status} work order does not escalate.")
    organization_id = auth.principal.organization_id
    users = {"reassignUserId": data.reassign_user_id} | {
        f"notifyUserIds[{i}]": user for i, user in enumerate(data.notify_user_ids)
    }
    await _check(
        session,
        organization_id,
        site_id=None,
        users=users,
        teams={"reassignTeamId": data.reassign_team_id},
    )
    escalation = WorkOrderEscalation(
        organization_id=organization_id,
        work_order_id=work_order_id,
        kind="manual",
        level=await session.scalar(_MANUAL_LEVEL, {"org": organization_id, "id": work_order_id}),
        reason=data.reason,
        escalated_by=auth.principal.user_id,
    )
    session.add(escalation)
    await session.flush()
    plan = Plan(
        audiences=BY_HAND_AUDIENCE,
        user_ids=list(data.notify_user_ids),
        reassign_user_id=data.reassign_user_id,
        reassign_team_id=data.reassign_team_id,
        raise_priority=data.raise_priority,
        priority=data.priority,
    )
    await actions.apply(session, auth, work_order, escalation, plan)
    return EscalationRead.model_validate(escalation)


async def of_work_order(
    session: AsyncSession, organization_id: UUID, work_order_id: UUID
) -> list[EscalationRead]:
    """Newest first, for the work order's history."""
    rows = await session.scalars(
        select(WorkOrderEscalation)
        .where(
            WorkOrderEscalation.organization_id == organization_id,
            WorkOrderEscalation.work_order_id == work_order_id,
        )
        .order_by(WorkOrderEscalation.id.desc())
    )
    return [EscalationRead.model_validate(row) for row in rows]
