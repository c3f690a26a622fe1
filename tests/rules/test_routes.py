"""/api/v1/rules: CRUD with ETags, validation on save naming each bad path, roles, tenants,
and the dry-run that changes nothing."""

from __future__ import annotations

from uuid import uuid4

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.core.errors import PROBLEM_JSON
from tests.factories.identity import Tenant
from tests.factories.inventory import make_part
from tests.factories.pm import make_template
from tests.factories.work_order import URL as WORK
from tests.factories.work_order import make_work_order
from tests.rules.conftest import HIGH, RULES, make_rule, make_team, make_webhook

CRITICAL = {"field": "priority", "op": "equals", "value": "critical"}


async def test_create_read_list_update_delete(client: httpx.AsyncClient, acme: Tenant) -> None:
    manager = acme.headers("manager")
    created = await client.post(
        RULES,
        headers=manager,
        json={
            "name": "Critical pumps",
            "event": "work_order.created",
            "match": "any",
            "conditions": [CRITICAL, {"field": "title", "op": "contains", "value": "pump"}],
            "actions": [HIGH, {"type": "notify", "roles": ["supervisor"]}],
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == 'W/"1"'
    rule = created.json()
    assert (rule["match"], rule["enabled"], rule["position"], rule["description"]) == (
        "any",
        True,
        0,
        None,
    )
    assert rule["actions"][1] == {"type": "notify", "userIds": [], "roles": ["supervisor"]}
    assert rule["createdBy"] == str(acme.users["manager"].id)
    url = f"{RULES}/{rule['id']}"
    got = await client.get(url, headers=acme.headers("admin"))
    assert (got.status_code, got.json(), got.headers["etag"]) == (200, rule, 'W/"1"')
    await make_rule(client, acme, name="On comments", event="work_order.comment_added")
    listed = await client.get(RULES, params={"event": "work_order.created"}, headers=manager)
    assert [r["id"] for r in listed.json()["items"]] == [rule["id"]]
    page = await client.get(RULES, params={"limit": 1}, headers=manager)
    assert len(page.json()["items"]) == 1
    assert page.json()["nextCursor"]
    stale = await client.patch(url, headers={**manager, "If-Match": 'W/"9"'}, json={"name": "x"})
    assert stale.status_code == 412
    changed = await client.patch(
        url,
        headers={**manager, "If-Match": 'W/"1"'},
        json={"enabled": False, "conditions": [], "description": "Every new work order"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == 'W/"2"'
    body = changed.json()
    assert (body["enabled"], body["conditions"], body["actions"]) == (False, [], rule["actions"])
    assert (await client.delete(url, headers=manager)).status_code == 204
    assert (await client.get(url, headers=manager)).status_code == 404
    remaining = await client.get(RULES, headers=manager)
    assert rule["id"] not in [r["id"] for r in remaining.json()["items"]]


async def _refused(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, object], *, url: str = RULES
) -> list[tuple[str, str]]:
    fields = {"name": "r", "event": "work_order.created", "actions": [HIGH], **body}
    response = await client.post(url, headers=tenant.headers("admin"), json=fields)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


async def test_each_kind_of_bad_rule_is_a_422_naming_its_path(
    client: httpx.AsyncClient,
    acme: Tenant,
    globex: Tenant,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    def when(field: str, op: str, value: object) -> dict[str, object]:
        return {"conditions": [{"field": field, "op": op, "value": value}]}

    assert await _refused(client, acme, when("colour", "equals", "red")) == [
        ("conditions[0].field", "unknown_field")
    ]
    assert await _refused(client, acme, when("title", "greater", 3)) == [
        ("conditions[0].op", "op_not_allowed")
    ]
    assert await _refused(client, acme, when("priority", "in", "high")) == [
        ("conditions[0].value", "not_a_list")
    ]
    assert await _refused(client, acme, when("estimatedHours", "greater", "two")) == [
        ("conditions[0].value", "invalid_value")
    ]
    assert await _refused(client, acme, when("status", "in", ["new", "done"])) == [
        ("conditions[0].value[1]", "invalid_value")
    ]
    on_part = {"event": "part.low_stock", "actions": [{"type": "notify", "roles": ["admin"]}, HIGH]}
    assert await _refused(client, acme, on_part) == [("actions[1].type", "not_allowed")]
    assert await _refused(
        client, acme, {"conditions": [{"field": "priority", "Op": "equals", "value": 1}]}
    ) == [
        ("conditions.0.op", "missing"),
        ("conditions.0.Op", "extra_forbidden"),
    ]
    assert await _refused(client, acme, {"actions": [{"type": "notify"}]}) == [
        ("actions.0.notify", "value_error")
    ]
    assert await _refused(client, acme, {"actions": [{"type": "reboot"}]}) == [
        ("actions.0", "union_tag_invalid")
    ]
    assert await _refused(client, acme, {"actions": []}) == [("actions", "too_short")]
    foreign_team = await make_team(client, globex)
    bare = await make_template(client, acme, checklists=[])
    named = [
        {"type": "assign_user", "userId": str(acme.users["requester"].id)},  # cannot do work
        {"type": "assign_team", "teamId": foreign_team},  # another tenant's
        {"type": "notify", "userIds": [str(acme.users["admin"].id), str(uuid4())]},
        {"type": "add_checklist", "templateId": str(bare["id"])},  # nothing to add
        {"type": "call_webhook", "webhookId": await make_webhook(sessions, globex)},
    ]
    assert await _refused(client, acme, {"actions": named}) == [
        ("actions[0].userId", "not_found"),
        ("actions[1].teamId", "not_found"),
        ("actions[2].userIds[1]", "not_found"),
        ("actions[3].templateId", "not_found"),
        ("actions[4].webhookId", "not_found"),
    ]


async def test_a_change_is_checked_against_the_rule_it_makes(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    rule = await make_rule(client, acme, conditions=[CRITICAL])
    url = f"{RULES}/{rule['id']}"
    admin = acme.headers("admin")
    moved = await client.patch(url, headers=admin, json={"event": "part.low_stock"})
    assert moved.status_code == 422
    assert [(e["field"], e["code"]) for e in moved.json()["errors"]] == [
        ("conditions[0].field", "unknown_field"),
        ("actions[0].type", "not_allowed"),
    ]
    nulled = await client.patch(url, headers=admin, json={"name": None})
    assert (nulled.status_code, nulled.json()["errors"][0]["field"]) == (422, "name")
    renamed = await client.patch(url, headers=admin, json={"name": "Kept"})
    assert (renamed.status_code, renamed.json()["conditions"]) == (200, [CRITICAL])


async def test_admins_and_managers_only(client: httpx.AsyncClient, acme: Tenant) -> None:
    for role in ("supervisor", "technician", "requester"):
        listed = await client.get(RULES, headers=acme.headers(role))
        assert (listed.status_code, listed.json()["code"]) == (403, "permission_denied")
        made = await client.post(
            RULES,
            headers=acme.headers(role),
            json={"name": "r", "event": "work_order.created", "actions": [HIGH]},
        )
        assert made.status_code == 403
    rule = await make_rule(client, acme, role="manager")
    got = await client.get(f"{RULES}/{rule['id']}", headers=acme.headers("technician"))
    assert got.status_code == 403


async def test_another_tenants_rules_are_not_found_anywhere(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    theirs = await make_rule(client, globex, role="admin")
    url = f"{RULES}/{theirs['id']}"
    headers = acme.headers("admin")
    work = await make_work_order(client, acme)
    for method, path, body in (
        ("GET", url, None),
        ("PATCH", url, {"name": "mine"}),
        ("DELETE", url, None),
        ("GET", f"{url}/executions", None),
        ("POST", f"{url}/dry-run", {"entityId": work["id"]}),
    ):
        response = await client.request(method, path, headers=headers, json=body)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    assert (await client.get(RULES, headers=headers)).json()["items"] == []
    # Nor can a rule of one tenant be tried on another's work.
    mine = await make_rule(client, acme)
    tried = await client.post(
        f"{RULES}/{mine['id']}/dry-run",
        headers=headers,
        json={"entityId": str((await make_work_order(client, globex))["id"])},
    )
    assert [(e["field"], e["code"]) for e in tried.json()["errors"]] == [("entityId", "not_found")]
    still = await client.get(url, headers=globex.headers("admin"))
    assert (still.status_code, still.json()["name"]) == (200, theirs["name"])


_STATE = text("""
SELECT (SELECT count(*) FROM outbox WHERE organization_id = :org) AS events,
       (SELECT count(*) FROM notifications WHERE organization_id = :org) AS notifications,
       (SELECT count(*) FROM checklists WHERE organization_id = :org) AS checklists,
       (SELECT count(*) FROM rule_executions WHERE organization_id = :org) AS executions,
       (SELECT count(*) FROM webhook_deliveries WHERE organization_id = :org) AS deliveries,
       (SELECT count(*) FROM activity_logs WHERE organization_id = :org) AS audit
""")


async def test_a_dry_run_shows_each_condition_and_changes_nothing(
    client: httpx.AsyncClient,
    acme: Tenant,
    conn: AsyncConnection,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tech = str(acme.users["technician"].id)
    template = await make_template(client, acme)
    team = await make_team(client, acme)
    everything = [
        {"type": "assign_user", "userId": tech},
        {"type": "assign_team", "teamId": team},
        HIGH,
        {"type": "notify", "roles": ["manager"]},
        {"type": "add_checklist", "templateId": str(template["id"])},
        {"type": "call_webhook", "webhookId": await make_webhook(sessions, acme)},
    ]
    conditions = [
        {"field": "title", "op": "contains", "value": "PUMP"},
        {"field": "teamId", "op": "equals", "value": team},
    ]
    rule = await make_rule(client, acme, match="any", conditions=conditions, actions=everything)
    work = await make_work_order(client, acme, priority="low")
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"),
        {"org": str(acme.organization_id)},
    )
    before = (await conn.execute(_STATE, {"org": acme.organization_id})).one()
    url = f"{RULES}/{rule['id']}/dry-run"
    tried = await client.post(url, headers=acme.headers("manager"), json={"entityId": work["id"]})
    assert tried.status_code == 200, tried.text
    assert tried.json() == {
        "ruleId": rule["id"],
        "entityType": "work_order",
        "entityId": work["id"],
        "matched": True,
        "conditions": [
            {**conditions[0], "actual": work["title"], "result": True},
            {**conditions[1], "actual": None, "result": False},
        ],
        "actions": rule["actions"],
    }
    after = await client.get(f"{WORK}/{work['id']}", headers=acme.headers("admin"))
    assert after.json() == work
    assert (await conn.execute(_STATE, {"org": acme.organization_id})).one() == before
    strict = await client.patch(
        f"{RULES}/{rule['id']}", headers=acme.headers("admin"), json={"match": "all"}
    )
    assert strict.status_code == 200
    missed = await client.post(url, headers=acme.headers("admin"), json={"entityId": work["id"]})
    assert (missed.json()["matched"], missed.json()["actions"]) == (False, [])


async def test_a_part_rule_is_tried_on_a_part(client: httpx.AsyncClient, acme: Tenant) -> None:
    part = await make_part(client, acme, "BRG-9", criticality="high")
    rule = await make_rule(
        client,
        acme,
        event="part.low_stock",
        conditions=[{"field": "criticality", "op": "in", "value": ["high", "critical"]}],
        actions=[{"type": "notify", "roles": ["manager"]}],
    )
    url = f"{RULES}/{rule['id']}/dry-run"
    tried = await client.post(url, headers=acme.headers("admin"), json={"entityId": part["id"]})
    assert tried.status_code == 200, tried.text
    assert (tried.json()["entityType"], tried.json()["matched"]) == ("part", True)
    work = await make_work_order(client, acme)
    wrong = await client.post(url, headers=acme.headers("admin"), json={"entityId": work["id"]})
    assert wrong.status_code == 422  # a work order is not a part
