"""The wire mapping of rules and executions (every column shown but the tenant and the soft
delete), and the demo's rules are rules the API would accept."""

from __future__ import annotations

from pydantic.alias_generators import to_camel
from uuid_utils.compat import uuid7

from maintainpro.core.schemas import ReadSchema
from maintainpro.demo.rules import demo_rules
from maintainpro.models import Base, Rule, RuleExecution
from maintainpro.rules.fields import problems
from maintainpro.rules.schemas import ExecutionRead, RuleCreate, RuleRead


def _shown(model: type[Base], schema: type[ReadSchema]) -> tuple[set[str], set[str]]:
    columns = {to_camel(c.key) for c in model.__table__.c}
    return columns, {field.alias or name for name, field in schema.model_fields.items()}


def test_read_schemas_show_every_column_but_the_tenant_and_the_soft_delete() -> None:
    columns, shown = _shown(Rule, RuleRead)
    assert columns - shown == {"organizationId", "deletedAt"}
    assert shown <= columns
    columns, shown = _shown(RuleExecution, ExecutionRead)
    assert columns - shown == {"organizationId"}
    assert shown <= columns


def test_the_demo_rules_fit_their_events() -> None:
    for shown in demo_rules(uuid7(), uuid7()):
        rule = RuleCreate.model_validate(shown)
        assert problems(rule.event, rule.conditions, rule.actions) == []
