"""/api/v1/escalation-rules and POST /api/v1/work-orders/{id}/escalate on the wire."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import Field, StringConstraints, field_validator, model_validator

from maintainpro.core.schemas import ReadSchema, WriteSchema
from maintainpro.work_order.schemas import Priority, WorkOrderType

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# Who a level tells: the people doing the work (in person or through its team), whoever asked
# for it, the supervisors of its site, the managers.
Audience = Literal["assignees", "requester", "supervisors", "managers"]
Minutes = Annotated[int, Field(ge=0, le=525_600)]  # up to a year into the clock
Trigger = Literal["unacknowledged", "overdue"]
Clock = Literal["calendar", "business_hours"]


class Level(WriteSchema):
    """Reached `afterMinutes` into the rule's clock (from when the work was reported for
    `unacknowledged`, from its due time for `overdue`); it may notify, reassign (to a user or
    a team) and raise the priority one step."""

    after_minutes: Minutes
    notify: list[Audience] = Field(default_factory=list, max_length=4)
    notify_user_ids: list[UUID] = Field(default_factory=list, max_length=20)
    reassign_user_id: UUID | None = None
    reassign_team_id: UUID | None = None
    raise_priority: bool = False

    @model_validator(mode="after")
    def _does_something(self) -> Self:
        if not (
            self.notify
            or self.notify_user_ids
            or self.reassign_user_id
            or self.reassign_team_id
            or self.raise_priority
        ):
            raise ValueError("a level notifies, reassigns or raises the priority")
        if self.reassign_user_id and self.reassign_team_id:
            raise ValueError("reassign to a user or to a team, not both")
        return self


Levels = Annotated[list[Level], Field(min_length=1, max_length=10)]


def _ascending(levels: list[Level] | None) -> list[Level] | None:
    if levels and any(b.after_minutes <= a.after_minutes for a, b in itertools.pairwise(levels)):
        raise ValueError("`afterMinutes` must grow from one level to the next")
    return levels


class EscalationRuleCreate(WriteSchema):
    """Watches open work of the given types, priorities and site (all when left out)."""

    name: Name
    trigger: Trigger
    work_order_types: list[WorkOrderType] | None = Field(default=None, min_length=1, max_length=6)
    priorities: list[Priority] | None = Field(default=None, min_length=1, max_length=4)
    site_id: UUID | None = None
    clock: Clock = "calendar"
    levels: Levels
    # After the last level, escalate again every this many minutes (of the rule's clock).
    repeat_minutes: Annotated[int, Field(ge=5, le=525_600)] | None = None
    enabled: bool = True

    _levels_in_order = field_validator("levels")(_ascending)


class EscalationRuleUpdate(WriteSchema):
    """PATCH: the keys sent change (`null` clears the optional filters and the repeat)."""

    name: Name | None = None
    trigger: Trigger | None = None
    work_order_types: list[WorkOrderType] | None = Field(default=None, min_length=1, max_length=6)
    priorities: list[Priority] | None = Field(default=None, min_length=1, max_length=4)
    site_id: UUID | None = None
    clock: Clock | None = None
    levels: Levels | None = None
    repeat_minutes: Annotated[int, Field(ge=5, le=525_600)] | None = None
    enabled: bool | None = None

    _levels_in_order = field_validator("levels")(_ascending)


class LevelCount(ReadSchema):
    level: int
    count: int


class EscalationRuleRead(ReadSchema):
    id: UUID
    name: str
    trigger: str
    work_order_types: list[str] | None
    priorities: list[str] | None
    site_id: UUID | None
    clock: str
    levels: list[dict[str, Any]]
    repeat_minutes: int | None
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime


class RuleCounts(ReadSchema):
    """How often a rule escalated, per level (re-escalations included): the dashboard's
    figures. `ruleId` null counts the escalations made by hand."""

    rule_id: UUID | None
    name: str
    levels: list[LevelCount]
    total: int


class EscalationCounts(ReadSchema):
    items: list[RuleCounts]


class EscalateRequest(WriteSchema):
    """By hand, with a reason: optionally raise the priority (one step, or to `priority`),
    reassign, and tell more people than the supervisors and managers of the work's site."""

    reason: Reason
    priority: Priority | None = None
    raise_priority: bool = False
    reassign_user_id: UUID | None = None
    reassign_team_id: UUID | None = None
    notify_user_ids: list[UUID] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_of_each(self) -> Self:
        if self.priority and self.raise_priority:
            raise ValueError("send `priority` or `raisePriority`, not both")
        if self.reassign_user_id and self.reassign_team_id:
            raise ValueError("reassign to a user or to a team, not both")
        return self
