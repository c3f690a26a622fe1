"""Condition evaluation (pure): a rule's conditions against an entity as the API shows it
(JSON values, camelCase keys). A field the entity lacks, or holds no value in, meets no
condition; so does one the whitelist no longer knows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import JsonValue

from maintainpro.rules.fields import FieldType, Kind
from maintainpro.rules.schemas import Condition

Entity = Mapping[str, JsonValue]


@dataclass(frozen=True, slots=True)
class Checked:
    field: str
    op: str
    value: JsonValue
    actual: JsonValue
    result: bool


def evaluate(
    match: str,
    conditions: Sequence[Condition],
    fields: Mapping[str, FieldType],
    entity: Entity,
) -> tuple[bool, list[Checked]]:
    """Whether the entity meets all (or any) of the conditions, and each condition's outcome.
    No conditions: every entity matches."""
    checked = [_check(condition, fields.get(condition.field), entity) for condition in conditions]
    if not checked:
        return True, checked
    results = [c.result for c in checked]
    return (all(results) if match == "all" else any(results)), checked


def _check(condition: Condition, field: FieldType | None, entity: Entity) -> Checked:
    actual = entity.get(condition.field)
    result = (
        field is not None
        and actual is not None
        and holds(field.kind, condition.op, actual, condition.value)
    )
    return Checked(condition.field, condition.op, condition.value, actual, result)


def holds(kind: Kind, op: str, actual: JsonValue, value: JsonValue) -> bool:
    """One comparison; a value that cannot be read as the field's kind makes it false."""
    try:
        if op == "equals":
            return _as(kind, actual) == _as(kind, value)
        if op == "in":
            return isinstance(value, list) and _as(kind, actual) in {_as(kind, v) for v in value}
        if op == "greater":
            return _greater(kind, actual, value)
        if op == "contains":
            return _contains(kind, actual, value)
    except (ValueError, TypeError, ArithmeticError):
        return False
    return False


def _greater(kind: Kind, actual: JsonValue, value: JsonValue) -> bool:
    if kind is Kind.NUMBER:
        return _number(actual) > _number(value)
    return kind is Kind.TIME and _time(actual) > _time(value)


def _contains(kind: Kind, actual: JsonValue, value: JsonValue) -> bool:
    if kind is Kind.IDS:
        return isinstance(actual, list) and _as(Kind.ID, value) in {_as(Kind.ID, a) for a in actual}
    return (
        isinstance(actual, str) and isinstance(value, str) and value.casefold() in actual.casefold()
    )


def _as(kind: Kind, value: JsonValue) -> object:
    """The value in the field's kind, comparable with another one read the same way."""
    match kind:
        case Kind.ID | Kind.IDS:
            return UUID(str(value))
        case Kind.NUMBER:
            return _number(value)
        case Kind.TIME:
            return _time(value)
        case Kind.FLAG:
            if not isinstance(value, bool):
                raise TypeError("not a flag")
            return value
        case _:
            if not isinstance(value, str):
                raise TypeError("not a text")
            return value


def _number(value: JsonValue) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("not a number")
    return Decimal(str(value))  # numbers shown as text ("2.50") read as numbers


def _time(value: JsonValue) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("a time without a zone")
    return parsed
