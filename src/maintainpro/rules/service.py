"""Rules (per organization): CRUD with validation on save, the record of executions, and the
dry-run. Running them on events is `handlers.py`'s."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Keyset, Page, PageQuery, rows_by_id
from maintainpro.models import Rule, RuleExecution
from maintainpro.rules import entities, fields
from maintainpro.rules.evaluate import evaluate
from maintainpro.rules.schemas import (
    Action,
    AddChecklist,
    AssignTeam,
    AssignUser,
    CallWebhook,
    Condition,
    ConditionResult,
    DryRun,
    DryRunRequest,
    ExecutionRead,
    Notify,
    RuleCreate,
    RuleFilter,
    RuleRead,
    RuleUpdate,
)

NEWEST_FIRST = Keyset(RuleExecution.id, RuleExecution.id, UUID, descending=True)
REQUIRED = frozenset({"name", "event", "match", "conditions", "actions", "enabled", "position"})

# Which of the records the actions name are usable, by kind, in one statement.
_USABLE = text("""
SELECT
  ARRAY(SELECT u.id FROM users u WHERE u.organization_id = :org
          AND u.id = ANY(CAST(:workers AS uuid[])) AND u.deleted_at IS NULL AND u.is_active
          AND u.role <> 'requester') AS workers,
  ARRAY(SELECT u.id FROM users u WHERE u.organization_id = :org
          AND u.id = ANY(CAST(:users AS uuid[])) AND u.deleted_at IS NULL
          AND u.is_active) AS users,
  ARRAY(SELECT t.id FROM teams t WHERE t.organization_id = :org
          AND t.id = ANY(CAST(:teams AS uuid[])) AND t.deleted_at IS NULL) AS teams,
  ARRAY(SELECT w.id FROM work_order_templates w WHERE w.organization_id = :org
          AND w.id = ANY(CAST(:templates AS uuid[])) AND w.deleted_at IS NULL
          AND jsonb_array_length(w.checklists) > 0) AS templates,
  ARRAY(SELECT s.id FROM webhook_subscriptions s WHERE s.organization_id = :org
          AND s.id = ANY(CAST(:webhooks AS uuid[])) AND s.deleted_at IS NULL) AS webhooks
""")
UNUSABLE = {
    "workers": "No active user who can be assigned work has this id.",
    "users": "No active user has this id.",
    "teams": "No team has this id.",
    "templates": "No work order template with checklists has this id.",
    "webhooks": "No webhook has this id.",
}


def _invalid(problems: list[FieldError]) -> ValidationFailed:
    return ValidationFailed("The rule does not fit its event; see `errors`.", problems)


async def get(
    session: AsyncSession, auth: Authorized, rule_id: UUID, *, lock: bool = False
) -> Rule:
    statement = select(Rule).where(
        Rule.organization_id == auth.principal.organization_id,
        Rule.id == rule_id,
        Rule.deleted_at.is_(None),
    )
    found = await session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        raise NotFound("No such rule.")
    return found


async def list_rules(session: AsyncSession, auth: Authorized, query: RuleFilter) -> Page[RuleRead]:
    statement = select(Rule).where(
        Rule.organization_id == auth.principal.organization_id, Rule.deleted_at.is_(None)
    )
    if query.event is not None:
        statement = statement.where(Rule.event == query.event)
    rows, next_cursor = await rows_by_id(session, statement, Rule.id, query)
    return Page(items=[RuleRead.model_validate(r) for r in rows], next_cursor=next_cursor)


def _stored(items: Sequence[Condition | Action]) -> list[dict[str, object]]:
    return [item.model_dump(mode="json", by_alias=True) for item in items]


def new_rule(organization_id: UUID, data: RuleCreate) -> Rule:
    """The row of a checked rule."""
    return Rule(
        organization_id=organization_id,
        **data.model_dump(exclude={"conditions", "actions"}),
        conditions=_stored(data.conditions),
        actions=_stored(data.actions),
    )


async def create(session: AsyncSession, auth: Authorized, data: RuleCreate) -> RuleRead:
    org = auth.principal.organization_id
    await _check(session, org, data.event, data.conditions, data.actions, references=True)
    rule = new_rule(org, data)
    session.add(rule)
    await session.flush()
    return RuleRead.model_validate(rule)


async def update(
    session: AsyncSession,
    auth: Authorized,
    rule_id: UUID,
    data: RuleUpdate,
    *,
    version: int | None,
) -> RuleRead:
    rule = await get(session, auth, rule_id, lock=True)
    check_version(version, rule.version, what="rule")
    changes = data.model_dump(exclude_unset=True, exclude={"conditions", "actions"})
    for name in REQUIRED & data.model_fields_set:
        if getattr(data, name) is None:
            message = "Cannot be null."
            raise ValidationFailed(message, [FieldError(to_camel(name), message, "null")])
    if {"event", "conditions", "actions"} & data.model_fields_set:
        current = RuleRead.model_validate(rule)
        conditions = current.conditions if data.conditions is None else data.conditions
        actions = current.actions if data.actions is None else data.actions
        # The records named before were checked then; only new actions are checked again.
        new = data.actions is not None
        event = data.event or rule.event
        await _check(session, rule.organization_id, event, conditions, actions, references=new)
    for name, value in changes.items():
        setattr(rule, name, value)
    if data.conditions is not None:
        rule.conditions = _stored(data.conditions)
    if data.actions is not None:
        rule.actions = _stored(data.actions)
    await session.flush()
    return RuleRead.model_validate(rule)


async def remove(session: AsyncSession, auth: Authorized, rule_id: UUID) -> None:
    rule = await get(session, auth, rule_id, lock=True)
    rule.deleted_at = datetime.now(UTC)
    await session.flush()


async def _check(
    session: AsyncSession,
    org: UUID,
    event: str,
    conditions: Sequence[Condition],
    actions: Sequence[Action],
    *,
    references: bool,
) -> None:
    problems = fields.problems(event, conditions, actions)
    if references:
        problems += await _unusable(session, org, actions)
    if problems:
        raise _invalid(problems)


def _named(actions: Sequence[Action]) -> list[tuple[str, str, UUID]]:
    """(path, kind, id) of every record the actions name."""
    named: list[tuple[str, str, UUID]] = []
    for index, action in enumerate(actions):
        at = f"actions[{index}]"
        match action:
            case AssignUser():
                named.append((f"{at}.userId", "workers", action.user_id))
            case AssignTeam():
                named.append((f"{at}.teamId", "teams", action.team_id))
            case Notify():
                named += [(f"{at}.userIds[{n}]", "users", u) for n, u in enumerate(action.user_ids)]
            case AddChecklist():
                named.append((f"{at}.templateId", "templates", action.template_id))
            case CallWebhook():
                named.append((f"{at}.webhookId", "webhooks", action.webhook_id))
    return named


async def _unusable(
    session: AsyncSession, org: UUID, actions: Sequence[Action]
) -> list[FieldError]:
    named = _named(actions)
    if not named:
        return []
    ids: dict[str, list[UUID]] = {kind: [] for kind in UNUSABLE}
    for _, kind, record in named:
        ids[kind].append(record)
    row = (await session.execute(_USABLE, {**ids, "org": org})).one()
    usable = row._mapping
    return [
        FieldError(path, UNUSABLE[kind], "not_found")
        for path, kind, record in named
        if record not in usable[kind]
    ]


async def executions(
    session: AsyncSession, auth: Authorized, rule_id: UUID, query: PageQuery
) -> Page[ExecutionRead]:
    rule = await get(session, auth, rule_id)
    statement = select(RuleExecution).where(
        RuleExecution.organization_id == rule.organization_id, RuleExecution.rule_id == rule.id
    )
    rows = list(await session.scalars(NEWEST_FIRST.page(statement, query.cursor, query.limit)))
    page, next_cursor = NEWEST_FIRST.split(rows, query.limit)
    return Page(items=[ExecutionRead.model_validate(r) for r in page], next_cursor=next_cursor)


async def dry_run(
    session: AsyncSession, auth: Authorized, rule_id: UUID, data: DryRunRequest
) -> DryRun:
    """What the rule would decide for the entity now, condition by condition; changes nothing."""
    rule = RuleRead.model_validate(await get(session, auth, rule_id))
    entity_type = fields.ENTITY_OF_EVENT[rule.event]
    org = auth.principal.organization_id
    entity = await entities.load(session, org, entity_type, data.entity_id)
    if entity is None:
        message = f"No {entity_type.replace('_', ' ')} has this id."
        raise ValidationFailed(message, [FieldError("entityId", message, "not_found")])
    matched, checked = evaluate(rule.match, rule.conditions, fields.FIELDS[entity_type], entity)
    return DryRun(
        rule_id=rule.id,
        entity_type=entity_type,
        entity_id=data.entity_id,
        matched=matched,
        conditions=[
            ConditionResult(field=c.field, op=c.op, value=c.value, actual=c.actual, result=c.result)
            for c in checked
        ],
        actions=rule.actions if matched else [],
    )
