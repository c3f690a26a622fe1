"""Condition evaluation and the checks on save, without a database: each op on each kind of
field, all/any, missing fields, and the problems a rule is refused for, at their paths."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from pydantic import TypeAdapter

from maintainpro.models.rule import RULE_EVENTS, RuleEvent
from maintainpro.rules.evaluate import evaluate
from maintainpro.rules.fields import ENTITY_OF_EVENT, PART_FIELDS, WORK_ORDER_FIELDS, problems
from maintainpro.rules.schemas import Action, Condition
from maintainpro.webhook.schemas import EventType

SITE = "0190f5a8-0000-7000-8000-000000000001"
ASSET = "0190f5a8-0000-7000-8000-000000000002"
WORK = {
    "title": "Pump P-101 leaking",
    "priority": "critical",
    "type": "corrective",
    "status": "new",
    "siteId": SITE,
    "teamId": None,
    "assetIds": [ASSET],
    "estimatedHours": "2.50",
    "dueAt": "2026-12-10T08:00:00Z",
    "assetDown": True,
}
ACTIONS = TypeAdapter(list[Action])


def _condition(field: str, op: str, value: Any) -> Condition:
    return Condition.model_validate({"field": field, "op": op, "value": value})


def _holds(field: str, op: str, value: Any, entity: dict[str, Any] = WORK) -> bool:
    matched, _ = evaluate("all", [_condition(field, op, value)], WORK_ORDER_FIELDS, entity)
    return matched


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("priority", "equals", "critical", True),
        ("priority", "equals", "high", False),
        ("priority", "in", ["high", "critical"], True),
        ("priority", "in", ["low"], False),
        ("title", "equals", "pump p-101 leaking", False),  # equals is exact
        ("title", "contains", "PUMP", True),  # contains ignores case
        ("title", "contains", "valve", False),
        ("siteId", "equals", SITE.upper(), True),  # ids compare as ids
        ("siteId", "in", [ASSET], False),
        ("assetIds", "contains", ASSET, True),
        ("assetIds", "contains", SITE, False),
        ("estimatedHours", "greater", 2, True),
        ("estimatedHours", "greater", 2.5, False),
        ("estimatedHours", "equals", 2.5, True),  # "2.50" as the API shows it is 2.5
        ("estimatedHours", "in", [1, 2.5], True),
        ("dueAt", "greater", "2026-12-10T07:59:59Z", True),
        ("dueAt", "greater", "2026-12-10T09:00:00+01:00", False),  # the same instant
        ("assetDown", "equals", True, True),
        ("assetDown", "equals", False, False),
    ],
)
def test_each_op(field: str, op: str, value: Any, expected: bool) -> None:
    assert _holds(field, op, value) is expected


@pytest.mark.parametrize("op", ["equals", "in", "contains", "greater"])
def test_a_missing_or_empty_field_meets_no_condition(op: str) -> None:
    value: Any = ["x"] if op == "in" else "x"
    assert not _holds("teamId", op, value)  # null
    assert not _holds("description", op, value)  # absent
    assert not _holds("noSuchField", op, value)  # unknown to the whitelist


def test_a_value_of_the_wrong_kind_is_false_not_an_error() -> None:
    assert not _holds("estimatedHours", "greater", "a lot")
    assert not _holds("dueAt", "greater", "2026-12-10")  # no zone
    assert not _holds("estimatedHours", "equals", True)
    assert not _holds("priority", "in", "critical")  # not a list


def test_all_and_any_and_no_conditions() -> None:
    one = _condition("priority", "equals", "critical")
    other = _condition("status", "equals", "completed")
    fields = WORK_ORDER_FIELDS
    assert evaluate("all", [one, other], fields, WORK)[0] is False
    assert evaluate("any", [one, other], fields, WORK)[0] is True
    assert evaluate("any", [other], fields, WORK)[0] is False
    assert evaluate("all", [], fields, WORK) == (True, [])
    assert evaluate("any", [], fields, WORK) == (True, [])
    _, checked = evaluate("all", [one, other], fields, WORK)
    assert [(c.actual, c.result) for c in checked] == [("critical", True), ("new", False)]


def test_parts_have_their_own_fields() -> None:
    part = {"partNumber": "BRG-9", "criticality": "high", "defaultUnitCost": "10.0000"}
    cheap = _condition("defaultUnitCost", "greater", 50)
    critical = _condition("criticality", "in", ["high", "critical"])
    assert evaluate("any", [cheap, critical], PART_FIELDS, part)[0] is True
    assert evaluate("all", [cheap, critical], PART_FIELDS, part)[0] is False


def test_rule_events_are_public_events_with_an_entity() -> None:
    assert set(RULE_EVENTS) <= set(get_args(EventType))
    assert set(get_args(RuleEvent)) == set(ENTITY_OF_EVENT)


def _problems(event: str, conditions: list[dict[str, Any]], actions: list[Any]) -> list[str]:
    parsed = [Condition.model_validate(c) for c in conditions]
    found = problems(event, parsed, ACTIONS.validate_python(actions))
    return [f"{p.field}:{p.code}" for p in found]


HIGH = {"type": "set_priority", "priority": "high"}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "colour", "op": "equals", "value": "red"}, "conditions[0].field:unknown_field"),
        ({"field": "priority", "op": "greater", "value": "low"}, "conditions[0].op:op_not_allowed"),
        ({"field": "dueAt", "op": "equals", "value": "x"}, "conditions[0].op:op_not_allowed"),
        ({"field": "priority", "op": "in", "value": "high"}, "conditions[0].value:not_a_list"),
        ({"field": "priority", "op": "in", "value": []}, "conditions[0].value:not_a_list"),
        (
            {"field": "priority", "op": "in", "value": ["urgent"]},
            "conditions[0].value[0]:invalid_value",
        ),
        ({"field": "priority", "op": "equals", "value": None}, "conditions[0].value:invalid_value"),
        (
            {"field": "estimatedHours", "op": "greater", "value": "2"},
            "conditions[0].value:invalid_value",
        ),
        (
            {"field": "estimatedHours", "op": "greater", "value": True},
            "conditions[0].value:invalid_value",
        ),
        (
            {"field": "estimatedHours", "op": "greater", "value": float("nan")},
            "conditions[0].value:invalid_value",
        ),
        (
            {"field": "dueAt", "op": "greater", "value": "2026-12-10"},
            "conditions[0].value:invalid_value",
        ),
        (
            {"field": "siteId", "op": "equals", "value": "north"},
            "conditions[0].value:invalid_value",
        ),
        ({"field": "assetIds", "op": "contains", "value": 7}, "conditions[0].value:invalid_value"),
        ({"field": "title", "op": "contains", "value": ""}, "conditions[0].value:invalid_value"),
        (
            {"field": "assetDown", "op": "equals", "value": "yes"},
            "conditions[0].value:invalid_value",
        ),
    ],
)
def test_a_bad_condition_is_named(condition: dict[str, Any], expected: str) -> None:
    assert _problems("work_order.created", [condition], [HIGH]) == [expected]


def test_good_rules_have_no_problems_and_parts_take_only_their_actions() -> None:
    conditions = [
        {"field": "priority", "op": "in", "value": ["high", "critical"]},
        {"field": "dueAt", "op": "greater", "value": "2026-12-10T08:00:00+01:00"},
        {"field": "assetIds", "op": "contains", "value": ASSET},
    ]
    assert _problems("work_order.status_changed", conditions, [HIGH]) == []
    notify = {"type": "notify", "roles": ["manager"]}
    on_part = [{"field": "criticality", "op": "equals", "value": "critical"}]
    assert _problems("part.low_stock", on_part, [notify, HIGH]) == ["actions[1].type:not_allowed"]
    assert _problems(
        "part.low_stock", [{"field": "priority", "op": "equals", "value": "high"}], [notify]
    ) == ["conditions[0].field:unknown_field"]
