"""/api/v1/pm-schedules: validation naming the field, edits with If-Match, sites and roles,
tenants, deletion, the calendar's upcoming occurrences and index-served reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from maintainpro.core.db import Database
from maintainpro.pm import generate
from tests.factories.identity import Tenant
from tests.factories.plans import assert_indexed, plan_nodes
from tests.factories.pm import SCHEDULES, make_meter, make_schedule, make_template
from tests.factories.work_order import make_asset

WEEKLY = {"kind": "time", "rule": "FREQ=WEEKLY;BYDAY=MO", "start": "2026-01-05T08:00:00"}


def _soon() -> dict[str, object]:
    start = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    return {"kind": "time", "rule": "FREQ=WEEKLY", "start": start.isoformat()}


@pytest.mark.parametrize(
    ("trigger", "field"),
    [
        ({"kind": "time", "start": "2026-01-05T08:00:00"}, "trigger.time"),
        ({**WEEKLY, "rule": "FREQ=MINUTELY"}, "trigger.time"),
        ({**WEEKLY, "rule": "NOT A RULE"}, "trigger.time"),
        ({**WEEKLY, "rule": "FREQ=DAILY\nDTSTART:20260101T000000"}, "trigger.time"),
        ({"kind": "time", "mode": "floating", "start": "2026-01-05T08:00:00"}, "trigger.time"),
        (
            {"kind": "condition", "meterId": "00000000-0000-0000-0000-000000000000", "rearm": 1},
            "trigger.condition",
        ),
        (
            {"kind": "meter", "every": 0, "meterId": "00000000-0000-0000-0000-000000000000"},
            "trigger.meter.every",
        ),
        ({"kind": "weekly"}, "trigger"),
    ],
)
async def test_a_bad_trigger_is_a_422_naming_it(
    client: httpx.AsyncClient, acme: Tenant, trigger: dict[str, object], field: str
) -> None:
    template = await make_template(client, acme)
    asset = await make_asset(client, acme, "P-1")
    body = {
        "name": "x",
        "templateId": template["id"],
        "assetIds": [asset["id"]],
        "trigger": trigger,
    }
    response = await client.post(SCHEDULES, headers=acme.headers("admin"), json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"].startswith(field), response.json()


async def test_references_are_checked_and_named(client: httpx.AsyncClient, acme: Tenant) -> None:
    template = await make_template(client, acme)
    north = await make_asset(client, acme, "N-1")
    south = await make_asset(client, acme, "S-1", locationId=str(acme.south.id))
    gauge = await make_meter(client, acme, north, kind="gauge")

    async def refused(**body: object) -> tuple[int, str, str]:
        fields = {
            "name": "x",
            "templateId": template["id"],
            "assetIds": [north["id"]],
            "trigger": WEEKLY,
            **body,
        }
        response = await client.post(SCHEDULES, headers=acme.headers("admin"), json=fields)
        error = response.json()["errors"][0]
        return response.status_code, error["field"], error["code"]

    assert await refused(templateId=north["id"]) == (422, "templateId", "not_found")
    assert await refused(assetIds=[template["id"]]) == (422, "assetIds", "not_found")
    assert await refused(assetIds=[north["id"], south["id"]]) == (422, "assetIds", "several_sites")
    meter_trigger = {"kind": "meter", "meterId": gauge["id"], "every": 10}
    assert await refused(trigger=meter_trigger) == (422, "trigger.meterId", "wrong_kind")
    assert await refused(craftId=north["id"]) == (422, "craftId", "not_found")


async def test_edits_need_the_current_version_and_keep_the_site_rules(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    schedule = await make_schedule(client, acme, WEEKLY, role="supervisor")
    url = f"{SCHEDULES}/{schedule['id']}"
    stale = await client.patch(
        url, headers={**acme.headers("supervisor"), "If-Match": 'W/"99"'}, json={"name": "N"}
    )
    assert stale.status_code == 412, stale.text
    null = await client.patch(url, headers=acme.headers("supervisor"), json={"trigger": None})
    assert (null.status_code, null.json()["errors"][0]["field"]) == (422, "trigger")
    south = await make_asset(client, acme, "S-2", locationId=str(acme.south.id))
    outside = await client.patch(
        url, headers=acme.headers("supervisor"), json={"assetIds": [south["id"]]}
    )
    assert (outside.status_code, outside.json()["errors"][0]["code"]) == (422, "outside_scope")
    moved = await client.patch(url, headers=acme.headers("admin"), json={"assetIds": [south["id"]]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["siteId"] == str(acme.south.id)
    # Now in SOUTH: the NORTH supervisor and technician no longer see it.
    for role in ("supervisor", "technician"):
        hidden = await client.get(url, headers=acme.headers(role))
        assert hidden.status_code == 404, role
    listed = await client.get(SCHEDULES, headers=acme.headers("supervisor"))
    assert listed.json()["items"] == []
    assert (await client.get(SCHEDULES, headers=acme.headers("admin"))).json()["items"]


async def test_roles_tenants_and_deletion(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    schedule = await make_schedule(client, acme, _soon())
    url = f"{SCHEDULES}/{schedule['id']}"
    for role in ("technician", "requester", "inventory_clerk", "contractor"):
        response = await client.post(SCHEDULES, headers=acme.headers(role), json={})
        assert response.status_code == 403, role
    seen = await client.get(url, headers=acme.headers("technician"))
    assert seen.status_code == 200
    manual = await client.post(f"{url}/run-due", headers=acme.headers("manager"))
    assert manual.status_code == 403  # admins only
    for method, path in (
        ("GET", url),
        ("PATCH", url),
        ("DELETE", url),
        ("POST", f"{url}/run-due"),
        ("GET", f"{url}/occurrences"),
    ):
        response = await client.request(
            method,
            path,
            headers=globex.headers("admin"),
            json={"name": "x"} if method == "PATCH" else None,
        )
        assert response.status_code == 404, (method, path)
    forecast = await client.get("/api/v1/pm-forecast", headers=globex.headers("admin"))
    assert forecast.json()["items"] == []
    gone = await client.delete(url, headers=acme.headers("manager"))
    assert gone.status_code == 204
    assert (await client.get(url, headers=acme.headers("admin"))).status_code == 404


async def test_upcoming_occurrences_show_on_the_calendar(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    schedule = await make_schedule(client, acme, _soon())
    now = datetime.now(UTC)
    params = {
        "scope": "organization",
        "from": now.isoformat(),
        "to": (now + timedelta(days=30)).isoformat(),
    }
    events = await client.get(
        "/api/v1/calendar/events", headers=acme.headers("admin"), params=params
    )
    assert events.status_code == 200, events.text
    mine = [e for e in events.json()["items"] if e["pmScheduleId"] == schedule["id"]]
    assert len(mine) in (4, 5)  # weekly over thirty days
    assert {e["kind"] for e in mine} == {"pm_occurrence"}
    paused = await client.patch(
        f"{SCHEDULES}/{schedule['id']}", headers=acme.headers("admin"), json={"paused": True}
    )
    assert paused.json()["paused"] is True
    again = await client.get(
        "/api/v1/calendar/events", headers=acme.headers("admin"), params=params
    )
    assert [e for e in again.json()["items"] if e["pmScheduleId"] == schedule["id"]] == []


async def test_the_scheduler_scan_is_index_served(conn: AsyncConnection, acme: Tenant) -> None:
    params = {"org": acme.organization_id, "now": datetime.now(UTC)}
    nodes = await plan_nodes(conn, str(generate._CLAIM), params)
    assert_indexed(nodes, "pm_schedules")
    assert any(n.get("Index Name") == "ix_pm_schedules_organization_id_generate_at" for n in nodes)


async def test_a_schedule_that_cannot_generate_waits_and_holds_no_one_back(
    client: httpx.AsyncClient, acme: Tenant, test_database: Database, conn: AsyncConnection
) -> None:
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(tzinfo=None, microsecond=0)
    trigger = {"kind": "time", "rule": "FREQ=WEEKLY", "start": start.isoformat()}
    broken_template = await make_template(client, acme, title="Retired routine")
    broken = await make_schedule(client, acme, trigger, template=broken_template)
    healthy = await make_schedule(
        client, acme, trigger, assets=[await make_asset(client, acme, "P-2")], name="Healthy"
    )
    gone = await client.delete(
        f"/api/v1/work-order-templates/{broken_template['id']}", headers=acme.headers("admin")
    )
    assert gone.status_code == 204
    made = await generate.run_organization(test_database, acme.organization_id)
    assert [o.schedule_id for o in made] == [UUID(str(healthy["id"]))]
    later = await conn.scalar(
        text("SELECT generate_at - now() FROM pm_schedules WHERE id = :id"), {"id": broken["id"]}
    )
    assert timedelta(minutes=59) < later <= timedelta(hours=1)


async def test_the_scheduler_is_no_editor_and_files_work_for_the_last_one(
    client: httpx.AsyncClient, acme: Tenant, test_database: Database
) -> None:
    start = (datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None, microsecond=0)
    trigger = {"kind": "time", "mode": "floating", "every": 7, "start": start.isoformat()}
    schedule = await make_schedule(client, acme, trigger, role="supervisor")
    url = f"{SCHEDULES}/{schedule['id']}"
    edited = await client.patch(url, headers=acme.headers("manager"), json={"name": "Renamed"})
    version = edited.json()["version"]
    [made] = await generate.run_organization(test_database, acme.organization_id)
    after = await client.get(url, headers=acme.headers("admin"))
    assert after.json()["awaitingCompletion"] is True
    assert (after.json()["version"], after.headers["etag"]) == (version, f'W/"{version}"')
    work = await client.get(
        f"/api/v1/work-orders/{made.work_order_id}", headers=acme.headers("admin")
    )
    manager = str(acme.users["manager"].id)
    assert (work.json()["createdBy"], work.json()["requesterId"]) == (manager, manager)
    still = await client.patch(
        url, headers={**acme.headers("manager"), "If-Match": f'W/"{version}"'}, json={"leadDays": 1}
    )
    assert still.status_code == 200, still.text


async def test_a_paused_schedule_is_not_run_by_hand(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    schedule = await make_schedule(client, acme, _soon(), paused=True)
    refused = await client.post(
        f"{SCHEDULES}/{schedule['id']}/run-due", headers=acme.headers("admin")
    )
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (409, "paused")
