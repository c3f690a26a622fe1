"""The engine: an outbox subscriber per event a rule may hear, run by the worker in a
transaction of its own (`outbox/tasks.py: dispatch`).

Per event: one statement finds the organization's live rules of the event (index-served) and
claims an execution row for each, skipping those a previous delivery of the event claimed, so
a redelivered event runs no rule twice; the entity is read once; then each rule is evaluated
and, when it matches, its actions run in a savepoint of their own: an action failing on its
data undoes that rule's actions only and is recorded as the execution's error. Executions that
matched or failed are completed in one statement; the others keep the claimed defaults."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import orjson
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core.logging import get_logger
from maintainpro.models import OutboxEvent
from maintainpro.models.rule import RULE_EVENTS
from maintainpro.outbox import handlers
from maintainpro.rules import actions, entities
from maintainpro.rules.actions import LiveRule, Subject
from maintainpro.rules.evaluate import evaluate
from maintainpro.rules.fields import ENTITY_OF_EVENT, FIELDS
from maintainpro.rules.schemas import Action, Condition

log = get_logger(__name__)
CONDITIONS = TypeAdapter(list[Condition])
ACTIONS = TypeAdapter(list[Action])
# Failures of an action's data (a constraint, a stored definition the schema now refuses),
# which a retry would not cure; anything else (a lost connection, a deadlock) fails the whole
# handler, so the job runs it again.
DATA_FAILURES = (IntegrityError, DataError, ValidationError)

_CLAIM = text("""
WITH claimed AS (
  INSERT INTO rule_executions (id, organization_id, rule_id, event_id, event_type, entity_type,
                               entity_id)
  SELECT app.uuidv7(), r.organization_id, r.id, :event, CAST(:type AS varchar), :entity_type,
         :entity_id
  FROM rules r
  WHERE r.organization_id = :org AND r.event = CAST(:type AS varchar) AND r.enabled
    AND r.deleted_at IS NULL
  ON CONFLICT (organization_id, rule_id, event_id) DO NOTHING
  RETURNING id, rule_id
)
SELECT r.id, c.id AS execution_id, r.name, r.description, r.match, r.conditions, r.actions
FROM claimed c JOIN rules r ON r.organization_id = :org AND r.id = c.rule_id
ORDER BY r.position, r.id
""")
_COMPLETE = text("""
UPDATE rule_executions e SET matched = u.matched, actions = u.actions, error = u.error
FROM unnest(CAST(:ids AS uuid[]), CAST(:matched AS boolean[]),
            CAST(CAST(:actions AS text[]) AS jsonb[]), CAST(:errors AS text[]))
     AS u(id, matched, actions, error)
WHERE e.organization_id = :org AND e.id = u.id
""")


@dataclass(frozen=True, slots=True)
class Execution:
    id: UUID
    matched: bool
    actions: list[dict[str, object]]
    error: str | None


async def run_rules(session: AsyncSession, event: OutboxEvent) -> None:
    entity_type = ENTITY_OF_EVENT[event.event_type]
    entity_id = entities.entity_id_of(event)
    rules = await _claim(session, event, entity_type, entity_id)
    if not rules:
        return
    entity = None
    if entity_id is not None:
        # Locked: the actions change it, and a checklist's position is taken under the lock.
        org = event.organization_id
        entity = await entities.load(session, org, entity_type, entity_id, lock=True)
    if entity is None or entity_id is None:
        gone = f"The {entity_type.replace('_', ' ')} no longer exists."
        await _complete(session, event, [Execution(r.execution_id, False, [], gone) for r in rules])
        return
    subject = Subject(event, entity_type, entity_id, entity)
    done = [await _execute(session, rule, subject) for rule in rules]
    await _complete(session, event, [e for e in done if e.matched or e.error])
    log.info(
        "rules.ran", event_id=str(event.id), rules=len(done), matched=sum(e.matched for e in done)
    )


async def _claim(
    session: AsyncSession, event: OutboxEvent, entity_type: str, entity_id: UUID | None
) -> list[LiveRule]:
    params = {
        "org": event.organization_id,
        "event": event.id,
        "type": event.event_type,
        "entity_type": entity_type,
        "entity_id": entity_id,
    }
    rows = await session.execute(_CLAIM, params)
    return [
        LiveRule(
            id=row.id,
            execution_id=row.execution_id,
            name=row.name,
            description=row.description,
            match=row.match,
            conditions=CONDITIONS.validate_python(row.conditions),
            actions=ACTIONS.validate_python(row.actions),
        )
        for row in rows
    ]


async def _execute(session: AsyncSession, rule: LiveRule, subject: Subject) -> Execution:
    fields = FIELDS[subject.entity_type]
    matched, _ = evaluate(rule.match, rule.conditions, fields, subject.entity)
    if not matched:
        return Execution(rule.execution_id, False, [], None)
    taken: list[dict[str, object]] = []
    before = dict(subject.entity)
    step = "actions"
    try:
        async with session.begin_nested():
            for index, action in enumerate(rule.actions):
                step = f"actions[{index}] ({action.type})"
                result = await actions.run(session, rule, action, subject)
                shown = action.model_dump(mode="json", by_alias=True)
                taken.append({"action": shown, "outcome": result.outcome, "detail": result.detail})
                subject.entity.update(result.changes)
    except DATA_FAILURES as exc:
        # The savepoint undid this rule's actions: none of them is reported as taken.
        subject.entity.clear()
        subject.entity.update(before)
        log.warning("rules.action_failed", rule_id=str(rule.id), step=step, error=repr(exc))
        return Execution(rule.execution_id, True, [], f"{step}: {_reason(exc)}"[:2000])
    return Execution(rule.execution_id, True, taken, None)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):  # stored data the current schema refuses
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)


async def _complete(session: AsyncSession, event: OutboxEvent, done: list[Execution]) -> None:
    if not done:
        return
    params = {
        "org": event.organization_id,
        "ids": [e.id for e in done],
        "matched": [e.matched for e in done],
        "actions": [orjson.dumps(e.actions).decode() for e in done],
        "errors": [e.error for e in done],
    }
    await session.execute(_COMPLETE, params)


for _event_type in RULE_EVENTS:
    handlers.subscribe(_event_type)(run_rules)
