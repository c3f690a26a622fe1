"""What a rule may name, declared once: the entity each event is about, the fields of each
entity (camelCase, as the API shows them) with their kind, the ops each kind takes and the
actions each entity takes. `problems` checks a rule against them on save (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import JsonValue

from maintainpro.core.errors import FieldError
from maintainpro.models.inventory import PART_CRITICALITIES
from maintainpro.models.rule import EntityType
from maintainpro.models.work_order import PRIORITIES, STATUSES, WORK_ORDER_TYPES
from maintainpro.rules.schemas import Action, Condition

MAX_LIST = 100  # values of one `in`


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # text from a fixed set
    ID = "id"
    IDS = "ids"  # a list of ids
    NUMBER = "number"
    TIME = "time"
    FLAG = "flag"


@dataclass(frozen=True, slots=True)
class FieldType:
    kind: Kind
    choices: tuple[str, ...] = ()


TEXT = FieldType(Kind.TEXT)
ID = FieldType(Kind.ID)
NUMBER = FieldType(Kind.NUMBER)
TIME = FieldType(Kind.TIME)

# `contains` is a case-insensitive substring on text and membership on a list of ids.
OPS: dict[Kind, frozenset[str]] = {
    Kind.TEXT: frozenset({"equals", "in", "contains"}),
    Kind.CHOICE: frozenset({"equals", "in"}),
    Kind.ID: frozenset({"equals", "in"}),
    Kind.IDS: frozenset({"contains"}),
    Kind.NUMBER: frozenset({"equals", "in", "greater"}),
    Kind.TIME: frozenset({"greater"}),
    Kind.FLAG: frozenset({"equals"}),
}

WORK_ORDER_FIELDS: dict[str, FieldType] = {
    "number": TEXT,
    "title": TEXT,
    "description": TEXT,
    "type": FieldType(Kind.CHOICE, WORK_ORDER_TYPES),
    "priority": FieldType(Kind.CHOICE, PRIORITIES),
    "status": FieldType(Kind.CHOICE, STATUSES),
    "siteId": ID,
    "locationId": ID,
    "teamId": ID,
    "requesterId": ID,
    "templateId": ID,
    "assetIds": FieldType(Kind.IDS),
    "assigneeIds": FieldType(Kind.IDS),
    "estimatedHours": NUMBER,
    "reportedAt": TIME,
    "dueAt": TIME,
    "assetDown": FieldType(Kind.FLAG),
}
PART_FIELDS: dict[str, FieldType] = {
    "partNumber": TEXT,
    "name": TEXT,
    "description": TEXT,
    "category": TEXT,
    "unit": TEXT,
    "manufacturer": TEXT,
    "manufacturerPartNumber": TEXT,
    "barcode": TEXT,
    "criticality": FieldType(Kind.CHOICE, PART_CRITICALITIES),
    "defaultUnitCost": NUMBER,
}
FIELDS: dict[str, dict[str, FieldType]] = {"work_order": WORK_ORDER_FIELDS, "part": PART_FIELDS}
# `pm.occurrence_created` is about the work order the occurrence created.
ENTITY_OF_EVENT: dict[str, EntityType] = {
    "work_order.created": "work_order",
    "work_order.status_changed": "work_order",
    "work_order.comment_added": "work_order",
    "pm.occurrence_created": "work_order",
    "part.low_stock": "part",
}
ACTIONS_ON: dict[str, frozenset[str]] = {
    "work_order": frozenset(
        {"assign_user", "assign_team", "set_priority", "notify", "add_checklist", "call_webhook"}
    ),
    "part": frozenset({"notify", "call_webhook"}),
}


def problems(
    event: str, conditions: Sequence[Condition], actions: Sequence[Action]
) -> list[FieldError]:
    """Every way the conditions and actions do not fit the event's entity, each at its path."""
    entity = ENTITY_OF_EVENT[event]
    found = [
        problem
        for index, condition in enumerate(conditions)
        for problem in _condition(f"conditions[{index}]", FIELDS[entity], condition)
    ]
    allowed = ACTIONS_ON[entity]
    for index, action in enumerate(actions):
        if action.type not in allowed:
            message = (
                f"Not an action on a {entity.replace('_', ' ')}: use {', '.join(sorted(allowed))}."
            )
            found.append(FieldError(f"actions[{index}].type", message, "not_allowed"))
    return found


def _condition(where: str, fields: dict[str, FieldType], condition: Condition) -> list[FieldError]:
    field = fields.get(condition.field)
    if field is None:
        message = f"Unknown field; one of: {', '.join(sorted(fields))}."
        return [FieldError(f"{where}.field", message, "unknown_field")]
    ops = OPS[field.kind]
    if condition.op not in ops:
        message = (
            f"{condition.op} does not apply to {condition.field}; use {', '.join(sorted(ops))}."
        )
        return [FieldError(f"{where}.op", message, "op_not_allowed")]
    value = condition.value
    if condition.op != "in":
        problem = _operand(f"{where}.value", field, condition.op, value)
        return [] if problem is None else [problem]
    if not isinstance(value, list) or not 0 < len(value) <= MAX_LIST:
        message = f"in needs a list of 1 to {MAX_LIST} values."
        return [FieldError(f"{where}.value", message, "not_a_list")]
    found = (_operand(f"{where}.value[{n}]", field, "in", item) for n, item in enumerate(value))
    return [problem for problem in found if problem is not None]


def _operand(where: str, field: FieldType, op: str, value: JsonValue) -> FieldError | None:
    expected = _expected(field, op, value)
    return None if expected is None else FieldError(where, f"Expected {expected}.", "invalid_value")


def _expected(field: FieldType, op: str, value: JsonValue) -> str | None:
    """What the value should have been, or None if it fits."""
    match field.kind:
        case Kind.TEXT:
            fits = isinstance(value, str) and (op != "contains" or value != "")
            wanted = "a non-empty text" if op == "contains" else "a text"
        case Kind.CHOICE:
            fits, wanted = value in field.choices, f"one of {', '.join(field.choices)}"
        case Kind.ID | Kind.IDS:
            fits, wanted = _is_id(value), "an id (a UUID)"
        case Kind.NUMBER:
            fits = not isinstance(value, bool) and (
                isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
            )
            wanted = "a finite number"
        case Kind.TIME:
            fits, wanted = _is_time(value), "a date-time with a time zone (ISO 8601)"
        case Kind.FLAG:
            fits, wanted = isinstance(value, bool), "true or false"
    return None if fits else wanted


def _is_id(value: JsonValue) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _is_time(value: JsonValue) -> bool:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return False
    return isinstance(value, str) and parsed.tzinfo is not None
