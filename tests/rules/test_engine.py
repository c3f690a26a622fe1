"""The engine in the worker: rules run on committed events through the worker's own dispatch,
in position order (a later rule sees an earlier one's change), once per event however often
it is delivered, without emitting events of their own; a failing action undoes its rule only,
and every run is recorded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.rules import handlers
from tests.conftest import Committed
from tests.factories.identity import Tenant
from tests.factories.inventory import make_part, make_storeroom, receive
from tests.factories.plans import assert_indexed, plan_nodes
from tests.factories.pm import make_schedule, make_template, run_due
from tests.factories.work_order import URL as WORK
from tests.factories.work_order import make_work_order
from tests.rules.conftest import HIGH, RULES, dispatch, make_rule, make_team, make_webhook

# On the embedded PostgreSQL too (scripts/test runs the smoke suite there).
pytestmark = pytest.mark.smoke

_COUNTS = text("""
SELECT (SELECT count(*) FROM outbox WHERE organization_id = :org) AS events,
       (SELECT count(*) FROM notifications WHERE organization_id = :org AND type = 'rule')
         AS told,
       (SELECT count(*) FROM checklists WHERE organization_id = :org) AS checklists,
       (SELECT count(*) FROM webhook_deliveries WHERE organization_id = :org) AS deliveries,
       (SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'webhooks:deliver'
          AND args->>'organization_id' = CAST(:org AS text)) AS jobs
""")


async def _counts(database: Database, tenant: Tenant) -> tuple[object, ...]:
    with context.scoped(organization_id=tenant.organization_id):
        async with transaction(database.sessions) as session:
            return tuple((await session.execute(_COUNTS, {"org": tenant.organization_id})).one())


async def _executions(
    client: httpx.AsyncClient, tenant: Tenant, rule: dict[str, object]
) -> list[dict[str, object]]:
    response = await client.get(f"{RULES}/{rule['id']}/executions", headers=tenant.headers("admin"))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def _outcomes(execution: dict[str, object]) -> list[tuple[object, object]]:
    taken = execution["actions"]
    assert isinstance(taken, list)
    return [(a["action"]["type"], a["outcome"]) for a in taken]


async def test_the_worker_runs_each_matching_rule_once(
    committed: Committed, database: Database
) -> None:
    tenant = await committed.make_tenant("rules", ("admin", "manager", "technician"))
    client = committed.client
    tech = str(tenant.users["technician"].id)
    team = await make_team(client, tenant)
    template = await make_template(client, tenant)
    pump = {"field": "title", "op": "contains", "value": "pump"}
    escalate = await make_rule(
        client,
        tenant,
        name="Pumps are critical",
        conditions=[pump],
        actions=[{"type": "set_priority", "priority": "critical"}],
    )
    critical = {"field": "priority", "op": "equals", "value": "critical"}
    dispatcher = await make_rule(
        client,
        tenant,
        name="Critical work goes to the crew",
        position=1,
        conditions=[critical],
        actions=[
            {"type": "assign_user", "userId": tech},
            {"type": "assign_team", "teamId": team},
            {"type": "add_checklist", "templateId": template["id"]},
            {"type": "notify", "roles": ["manager", "admin"]},
            {"type": "call_webhook", "webhookId": await make_webhook(database.sessions, tenant)},
        ],
    )
    low = await make_rule(
        client,
        tenant,
        name="Low work",
        position=2,
        conditions=[{"field": "priority", "op": "equals", "value": "low"}],
    )
    off = await make_rule(client, tenant, name="Off", enabled=False)
    work = await make_work_order(client, tenant, priority="medium")  # committed, by the admin
    before = await _counts(database, tenant)
    # Two workers at once on the same event (a connection each), then a late redelivery:
    # the claimed executions let one of them act, once.
    both = [dispatch(database, tenant, "work_order.created") for _ in range(2)]
    assert await asyncio.gather(*both) == [1, 1]
    assert await dispatch(database, tenant, "work_order.created") == 1
    shown = (await client.get(f"{WORK}/{work['id']}", headers=tenant.headers("admin"))).json()
    assert (shown["priority"], shown["teamId"], shown["assigneeIds"]) == ("critical", team, [tech])
    assert (shown["status"], shown["version"]) == ("new", 4)  # no status move; three changes
    events, told, checklists, deliveries, jobs = await _counts(database, tenant)
    assert events == before[0]  # the actions emitted nothing: no rule can set off another
    assert (told, checklists, deliveries, jobs) == (1, 1, 1, 1)  # the admin acted: not told
    [first] = await _executions(client, tenant, escalate)
    assert (first["eventType"], first["entityId"], first["matched"]) == (
        "work_order.created",
        work["id"],
        True,
    )
    assert _outcomes(first) == [("set_priority", "done")]
    [second] = await _executions(client, tenant, dispatcher)
    assert _outcomes(second) == [
        ("assign_user", "done"),
        ("assign_team", "done"),
        ("add_checklist", "done"),
        ("notify", "done"),
        ("call_webhook", "done"),
    ]
    [missed] = await _executions(client, tenant, low)
    assert (missed["matched"], missed["actions"], missed["error"]) == (False, [], None)
    assert await _executions(client, tenant, off) == []
    notices = await client.get("/api/v1/notifications", headers=tenant.headers("manager"))
    [notice] = [n for n in notices.json()["items"] if n["type"] == "rule"]
    assert notice["title"] == f"Critical work goes to the crew: {work['number']} {work['title']}"


_BREAK_TEMPLATE = text(
    'UPDATE work_order_templates SET checklists = \'[{"no": "name"}]\' WHERE id = :id'
)


async def test_a_failing_action_undoes_its_rule_only_and_is_recorded(
    client: httpx.AsyncClient,
    acme: Tenant,
    test_database: Database,
    conn: AsyncConnection,
) -> None:
    template = await make_template(client, acme)
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"),
        {"org": str(acme.organization_id)},
    )
    await conn.execute(_BREAK_TEMPLATE, {"id": template["id"]})  # broken since it was saved
    broken = await make_rule(
        client, acme, actions=[HIGH, {"type": "add_checklist", "templateId": template["id"]}]
    )
    team = await make_team(client, acme)
    working = await make_rule(client, acme, actions=[{"type": "assign_team", "teamId": team}])
    work = await make_work_order(client, acme, priority="low")
    gone = await make_work_order(client, acme, title="Filed by mistake")
    deleted = await client.delete(f"{WORK}/{gone['id']}", headers=acme.headers("admin"))
    assert deleted.status_code == 204
    assert await dispatch(test_database, acme, "work_order.created") == 2
    shown = (await client.get(f"{WORK}/{work['id']}", headers=acme.headers("admin"))).json()
    assert (shown["priority"], shown["teamId"]) == ("low", team)  # the high priority undone
    missing, failed = await _executions(client, acme, broken)  # newest first
    assert (failed["entityId"], failed["matched"], failed["actions"]) == (work["id"], True, [])
    assert (
        failed["error"]
        == "actions[1] (add_checklist): name: Field required; no: Extra inputs are not permitted"
    )
    assert (missing["entityId"], missing["matched"]) == (gone["id"], False)
    assert missing["error"] == "The work order no longer exists."
    _, done = await _executions(client, acme, working)
    assert _outcomes(done) == [("assign_team", "done")]


async def test_parts_and_pm_work_have_rules_too(
    client: httpx.AsyncClient,
    acme: Tenant,
    test_database: Database,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    spares = await make_rule(
        client,
        acme,
        name="Critical spares",
        event="part.low_stock",
        conditions=[{"field": "criticality", "op": "in", "value": ["high", "critical"]}],
        actions=[{"type": "notify", "roles": ["manager"]}],
    )
    store = await make_storeroom(client, acme, "ST-1")
    part = await make_part(client, acme, "BRG-9", name="Bearing 6204", criticality="high")
    await receive(client, acme, part, store, "3")
    put = await client.put(
        f"/api/v1/parts/{part['id']}/stock/{store}",
        headers=acme.headers("admin"),
        json={"reorderPoint": "5"},
    )
    assert put.status_code == 200, put.text
    pm = await make_rule(
        client,
        acme,
        name="PM work is high",
        event="pm.occurrence_created",
        conditions=[{"field": "type", "op": "equals", "value": "preventive"}],
    )
    start = (datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None, microsecond=0)
    trigger = {"kind": "time", "rule": "FREQ=WEEKLY", "start": start.isoformat()}
    [made] = await run_due(client, acme, await make_schedule(client, acme, trigger))
    assert await dispatch(test_database, acme, "part.low_stock", "pm.occurrence_created") == 2
    notices = await client.get("/api/v1/notifications", headers=acme.headers("manager"))
    titles = [n["title"] for n in notices.json()["items"] if n["type"] == "rule"]
    assert titles == ["Critical spares: BRG-9 Bearing 6204"]
    [told] = await _executions(client, acme, spares)
    assert (told["entityType"], told["entityId"]) == ("part", part["id"])
    work = await client.get(f"{WORK}/{made['workOrderId']}", headers=acme.headers("admin"))
    assert work.json()["priority"] == "high"
    [raised] = await _executions(client, acme, pm)
    assert raised["entityId"] == made["workOrderId"]


async def test_the_rules_of_an_event_are_found_through_their_index(
    conn: AsyncConnection, acme: Tenant
) -> None:
    params = {
        "org": acme.organization_id,
        "event": acme.organization_id,
        "type": "work_order.created",
        "entity_type": "work_order",
        "entity_id": acme.organization_id,
    }
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"),
        {"org": str(acme.organization_id)},
    )
    nodes = await plan_nodes(conn, str(handlers._CLAIM), params)
    assert_indexed(nodes, "rules")
    assert any(n.get("Index Name") == "ix_rules_organization_id_event_live" for n in nodes)
