"""/api/v1/rules on the wire. Conditions and actions are stored as shown here (camelCase), so
a rule reads back through the same models that validated it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, JsonValue, StringConstraints, model_validator

from maintainpro.core.pagination import PageQuery
from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.models.rule import EntityType, Match, RuleEvent
from maintainpro.user.schemas import RoleName
from maintainpro.work_order.schemas import Priority

Op = Literal["equals", "in", "greater", "contains"]
Outcome = Literal["done", "skipped"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Position = Annotated[int, Field(ge=0, le=1_000_000)]
MAX_CONDITIONS = 20
MAX_ACTIONS = 10


class Condition(WriteSchema):
    """`field` of the entity as the API shows it; which ops and values fit depends on the
    field (checked on save against the event's entity)."""

    field: FieldName
    op: Op
    value: JsonValue


class AssignUser(WriteSchema):
    """Adds an assignee to the work order."""

    type: Literal["assign_user"]
    user_id: UUID


class AssignTeam(WriteSchema):
    type: Literal["assign_team"]
    team_id: UUID


class SetPriority(WriteSchema):
    type: Literal["set_priority"]
    priority: Priority


class Notify(WriteSchema):
    """Tells these users and every active user of these roles (the actor of the event
    excepted)."""

    type: Literal["notify"]
    user_ids: list[UUID] = Field(default_factory=list, max_length=50)
    roles: list[RoleName] = Field(default_factory=list, max_length=7)

    @model_validator(mode="after")
    def _someone(self) -> Self:
        if not (self.user_ids or self.roles):
            raise ValueError("Name userIds or roles to notify.")
        return self


class AddChecklist(WriteSchema):
    """Copies the template's checklists onto the work order (while the work is open)."""

    type: Literal["add_checklist"]
    template_id: UUID


class CallWebhook(WriteSchema):
    """Delivers the event to this webhook subscription (once per event, whatever it hears)."""

    type: Literal["call_webhook"]
    webhook_id: UUID


Action = Annotated[
    AssignUser | AssignTeam | SetPriority | Notify | AddChecklist | CallWebhook,
    Field(discriminator="type"),
]
Conditions = Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)]
Actions = Annotated[list[Action], Field(min_length=1, max_length=MAX_ACTIONS)]


class RuleCreate(WriteSchema):
    """No conditions: the rule acts on every event. `position` orders the rules of one event
    (then creation order); an action changing a work order is seen by the rules after it."""

    name: Name
    description: Description | None = None
    event: RuleEvent
    match: Match = "all"
    conditions: Conditions = Field(default_factory=list)
    actions: Actions
    enabled: bool = True
    position: Position = 0


class RuleUpdate(WriteSchema):
    """PATCH: the keys sent change; `conditions` and `actions` are replaced whole."""

    name: Name | None = None
    description: Description | None = None
    event: RuleEvent | None = None
    match: Match | None = None
    conditions: Conditions | None = None
    actions: Actions | None = None
    enabled: bool | None = None
    position: Position | None = None


class RuleRead(ReadSchema):
    id: UUID
    name: str
    description: str | None
    event: RuleEvent
    match: Match
    conditions: list[Condition]
    actions: list[Action]
    enabled: bool
    position: int
    created_at: datetime
    updated_at: datetime
    created_by: UUID | None
    updated_by: UUID | None
    version: int


class RuleFilter(PageQuery):
    event: RuleEvent | None = None


class ActionOutcome(ReadSchema):
    action: Action
    outcome: Outcome
    detail: str


class ExecutionRead(ReadSchema):
    id: UUID
    rule_id: UUID
    event_id: UUID
    event_type: RuleEvent
    entity_type: EntityType
    entity_id: UUID | None
    matched: bool
    actions: list[ActionOutcome]
    error: str | None
    created_at: datetime


class DryRunRequest(WriteSchema):
    """The entity of the rule's event: a work order, or a part for `part.low_stock`."""

    entity_id: UUID


class ConditionResult(ReadSchema):
    field: str
    op: str
    value: JsonValue
    actual: JsonValue
    result: bool


class DryRun(ReadSchema):
    rule_id: UUID
    entity_type: EntityType
    entity_id: UUID
    matched: bool
    conditions: list[ConditionResult]
    # What the rule would do (nothing when it does not match); nothing is changed.
    actions: list[Action]
