"""What a matching rule does, one action at a time, inside the worker's transaction.

No action writes an outbox event (none moves a work order's status, and the statements below
emit nothing), so a rule's change can never set off another rule: the engine cannot loop. A
change of the work order bumps its version (open editors get a 412) and is audited by the
row triggers without an actor. An action whose target has gone since the rule was saved (a
deactivated user, a deleted team, template or webhook) is skipped and says why."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import orjson
from pydantic import JsonValue
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.checklist import repository as checklists
from maintainpro.checklist.schemas import ChecklistDefinition
from maintainpro.models import Checklist, OutboxEvent, WorkOrderTemplate
from maintainpro.notification.service import Message, notify
from maintainpro.rules import entities
from maintainpro.rules.schemas import (
    Action,
    AddChecklist,
    AssignTeam,
    AssignUser,
    CallWebhook,
    Condition,
    Notify,
    Outcome,
    SetPriority,
)
from maintainpro.webhook import service as webhooks
from maintainpro.webhook.tasks import payload_of
from maintainpro.work_order.machine import OPEN

# Every change of a work order is a new version, by no one (the worker acts for the rule).
_TOUCH = "version = w.version + 1, updated_at = now(), updated_by = NULL"
_ADD_ASSIGNEE = text(f"""
WITH added AS (
  INSERT INTO work_order_assignees (id, organization_id, work_order_id, user_id)
  SELECT app.uuidv7(), u.organization_id, :id, u.id FROM users u
  WHERE u.organization_id = :org AND u.id = :user AND u.deleted_at IS NULL AND u.is_active
    AND u.role <> 'requester'
  ON CONFLICT (organization_id, work_order_id, user_id) DO NOTHING
  RETURNING user_id
), touched AS (
  UPDATE work_orders w SET {_TOUCH}
  WHERE w.organization_id = :org AND w.id = :id AND EXISTS (SELECT FROM added)
)
SELECT EXISTS (SELECT FROM added)
""")
_SET_TEAM = text(f"""
UPDATE work_orders w SET team_id = t.id, {_TOUCH}
FROM teams t
WHERE w.organization_id = :org AND w.id = :id
  AND t.organization_id = :org AND t.id = :team AND t.deleted_at IS NULL
RETURNING w.id
""")
_SET_PRIORITY = text(f"""
UPDATE work_orders w SET priority = :priority, {_TOUCH}
WHERE w.organization_id = :org AND w.id = :id
""")
_RECIPIENTS = text("""
SELECT u.id FROM users u
WHERE u.organization_id = :org AND u.deleted_at IS NULL AND u.is_active
  AND (u.id = ANY(CAST(:users AS uuid[])) OR u.role = ANY(CAST(:roles AS text[])))
""")
# The webhook machinery's own delivery row (one per subscription and event, so a
# subscription that also hears the event gets it once) and attempt job.
_DELIVER = text("""
INSERT INTO webhook_deliveries (id, organization_id, subscription_id, event_id, event_type,
                                payload)
SELECT app.uuidv7(), s.organization_id, s.id, :event, :type, CAST(:payload AS jsonb)
FROM webhook_subscriptions s
WHERE s.organization_id = :org AND s.id = :webhook AND s.enabled AND s.deleted_at IS NULL
ON CONFLICT (organization_id, subscription_id, event_id) DO NOTHING
RETURNING id
""")


@dataclass(frozen=True, slots=True)
class LiveRule:
    """A rule as the worker runs it, with the execution row claimed for it."""

    id: UUID
    execution_id: UUID
    name: str
    description: str | None
    match: str
    conditions: list[Condition]
    actions: list[Action]


@dataclass(slots=True)
class Subject:
    """What the actions of one event act on; `entity` follows their changes, so a later action
    or rule sees what an earlier one did."""

    event: OutboxEvent
    entity_type: str
    entity_id: UUID
    entity: entities.Entity

    @property
    def organization_id(self) -> UUID:
        return self.event.organization_id

    @property
    def params(self) -> dict[str, UUID]:
        """The statement parameters naming the entity."""
        return {"org": self.organization_id, "id": self.entity_id}


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    detail: str
    # The entity's fields as they read after the action.
    changes: dict[str, JsonValue] = field(default_factory=dict)


async def run(session: AsyncSession, rule: LiveRule, action: Action, subject: Subject) -> Result:
    match action:
        case AssignUser():
            return await _assign_user(session, action, subject)
        case AssignTeam():
            return await _assign_team(session, action, subject)
        case SetPriority():
            return await _set_priority(session, action, subject)
        case Notify():
            return await _notify(session, rule, action, subject)
        case AddChecklist():
            return await _add_checklist(session, action, subject)
        case CallWebhook():
            return await _call_webhook(session, action, subject)


async def _assign_user(session: AsyncSession, action: AssignUser, subject: Subject) -> Result:
    shown = subject.entity.get("assigneeIds")
    assignees = [str(a) for a in shown] if isinstance(shown, list) else []
    user = str(action.user_id)
    if user in assignees:
        return Result("skipped", "Already assigned.")
    if not await session.scalar(_ADD_ASSIGNEE, {**subject.params, "user": action.user_id}):
        return Result("skipped", "The user is no longer an active user who can be assigned.")
    now: list[JsonValue] = [*sorted([*assignees, user])]
    return Result("done", "Assigned.", {"assigneeIds": now})


async def _assign_team(session: AsyncSession, action: AssignTeam, subject: Subject) -> Result:
    team = str(action.team_id)
    if subject.entity.get("teamId") == team:
        return Result("skipped", "Already the team's.")
    if await session.scalar(_SET_TEAM, {**subject.params, "team": action.team_id}) is None:
        return Result("skipped", "The team was deleted.")
    return Result("done", "Given to the team.", {"teamId": team})


async def _set_priority(session: AsyncSession, action: SetPriority, subject: Subject) -> Result:
    if subject.entity.get("priority") == action.priority:
        return Result("skipped", f"Already {action.priority}.")
    await session.execute(_SET_PRIORITY, {**subject.params, "priority": action.priority})
    return Result("done", f"Priority set to {action.priority}.", {"priority": action.priority})


async def _notify(
    session: AsyncSession, rule: LiveRule, action: Notify, subject: Subject
) -> Result:
    params = {"org": subject.organization_id, "users": action.user_ids, "roles": action.roles}
    # As every notification: the actor of the event is not told of their own act.
    users = [u for u in await session.scalars(_RECIPIENTS, params) if u != subject.event.actor_id]
    if not users:
        return Result("skipped", "No active user to tell.")
    title = f"{rule.name}: {entities.label(subject.entity_type, subject.entity)}"
    message = Message("rule", title, rule.description, subject.entity_type, subject.entity_id)
    # No event id: that key would let another notification of the event shadow this one;
    # the execution row already makes a redelivery tell no one twice.
    await notify(session, subject.organization_id, users, message)
    return Result("done", f"Told {len(users)} user(s).")


async def _add_checklist(session: AsyncSession, action: AddChecklist, subject: Subject) -> Result:
    if subject.entity.get("status") not in OPEN:
        return Result("skipped", f"The work order is {subject.entity.get('status')}.")
    org = subject.organization_id
    template = await session.scalar(
        select(WorkOrderTemplate).where(
            WorkOrderTemplate.organization_id == org,
            WorkOrderTemplate.id == action.template_id,
            WorkOrderTemplate.deleted_at.is_(None),
        )
    )
    if template is None or not template.checklists:
        return Result("skipped", "The template was deleted or has no checklists.")
    # After the work order's own checklists; the work order is locked (entities.load).
    first = await checklists.next_position(
        session,
        Checklist.position,
        (Checklist.organization_id == org) & (Checklist.work_order_id == subject.entity_id),
    )
    for offset, stored in enumerate(template.checklists):
        definition = ChecklistDefinition.model_validate(stored, by_alias=False, by_name=True)
        await checklists.insert_checklist(
            session, org, subject.entity_id, first + offset, definition
        )
    return Result("done", f"Added {len(template.checklists)} checklist(s).")


async def _call_webhook(session: AsyncSession, action: CallWebhook, subject: Subject) -> Result:
    event = subject.event
    params = {
        "org": event.organization_id,
        "webhook": action.webhook_id,
        "event": event.id,
        "type": event.event_type,
        "payload": orjson.dumps(payload_of(event)).decode(),
    }
    made = list(await session.scalars(_DELIVER, params))
    if not made:
        return Result("skipped", "The webhook is disabled or deleted, or has the event already.")
    await webhooks.defer(session, event.organization_id, made)
    return Result("done", "Delivery queued.")
