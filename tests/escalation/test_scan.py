"""The escalation scan: unacknowledged and overdue work climbs a rule's levels once each, on
the rule's clock, with what each level does (tell, reassign, raise the priority) recorded on
the work order's history and counted per level; people doing work just past due are told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from maintainpro.core.db import Database
from maintainpro.escalation import scan
from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_work_order

# On the embedded PostgreSQL too (scripts/test runs the smoke suite there).
pytestmark = pytest.mark.smoke

RULES = "/api/v1/escalation-rules"
NOTIFICATIONS = "/api/v1/notifications"


async def _rule(client: httpx.AsyncClient, tenant: Tenant, **body: object) -> dict[str, object]:
    response = await client.post(RULES, headers=tenant.headers("manager"), json=body)
    assert response.status_code == 201, response.text
    rule: dict[str, object] = response.json()
    return rule


async def _told(client: httpx.AsyncClient, tenant: Tenant, role: str) -> list[tuple[str, str]]:
    response = await client.get(NOTIFICATIONS, headers=tenant.headers(role))
    assert response.status_code == 200, response.text
    return [(n["type"], n["title"]) for n in response.json()["items"]]


async def _levels(database: Database, tenant: Tenant, at: datetime) -> list[tuple[int, int]]:
    made = await scan.run_organization(database, tenant.organization_id, at)
    return [(e.level, e.sequence) for e in made]


async def test_unacknowledged_work_climbs_each_level_once(
    client: httpx.AsyncClient, acme: Tenant, test_database: Database
) -> None:
    technician = str(acme.users["technician"].id)
    rule = await _rule(
        client,
        acme,
        name="Nobody on it",
        trigger="unacknowledged",
        levels=[
            {"afterMinutes": 30, "notify": ["supervisors"]},
            {
                "afterMinutes": 120,
                "notify": ["managers"],
                "reassignUserId": technician,
                "raisePriority": True,
            },
        ],
        repeatMinutes=60,
    )
    ignored = await _rule(
        client,
        acme,
        name="Only emergencies",
        trigger="unacknowledged",
        workOrderTypes=["emergency"],
        levels=[{"afterMinutes": 1, "notify": ["managers"]}],
    )
    work = await make_work_order(client, acme, priority="medium")
    start = datetime.fromisoformat(str(work["reportedAt"]))
    assert await _levels(test_database, acme, start + timedelta(minutes=29)) == []
    assert await _levels(test_database, acme, start + timedelta(minutes=31)) == [(1, 0)]
    assert await _levels(test_database, acme, start + timedelta(minutes=32)) == []  # once
    number = work["number"]
    assert await _told(client, acme, "supervisor") == [
        ("escalation", f"{number} escalated (level 1): Inspect the feed pump")
    ]
    assert await _levels(test_database, acme, start + timedelta(minutes=125)) == [(2, 0)]
    got = (await client.get(f"{URL}/{work['id']}", headers=acme.headers("admin"))).json()
    assert (got["priority"], got["status"], got["assigneeIds"]) == (
        "high",
        "assigned",
        [technician],
    )
    assert ("escalation", f"{number} escalated (level 2): Inspect the feed pump") in await _told(
        client, acme, "manager"
    )
    assert await _levels(test_database, acme, start + timedelta(minutes=185)) == [(2, 1)]
    history = (
        await client.get(f"{URL}/{work['id']}/history", headers=acme.headers("admin"))
    ).json()
    escalations = history["escalations"]
    assert [(e["level"], e["sequence"], e["ruleId"]) for e in escalations] == [
        (2, 1, rule["id"]),
        (2, 0, rule["id"]),
        (1, 0, rule["id"]),
    ]
    assert escalations[1]["actions"]["priority"] == {"from": "medium", "to": "high"}
    assert escalations[1]["actions"]["reassignedTo"] == technician
    assert escalations[0]["actions"]["priority"] == {"from": "high", "to": "critical"}
    counts = await client.get(f"{RULES}/counts", headers=acme.headers("supervisor"))
    assert counts.json()["items"] == [
        {
            "ruleId": rule["id"],
            "name": "Nobody on it",
            "levels": [{"level": 1, "count": 1}, {"level": 2, "count": 2}],
            "total": 3,
        }
    ]
    one = await client.get(
        f"{RULES}/counts", headers=acme.headers("manager"), params={"ruleId": ignored["id"]}
    )
    assert one.json()["items"] == []
    started = await client.post(
        f"{URL}/{work['id']}/transitions",
        headers=acme.headers("technician"),
        json={"to": "in_progress"},
    )
    assert started.status_code == 200, started.text
    assert await _levels(test_database, acme, start + timedelta(minutes=500)) == []


async def test_a_late_scan_escalates_once_to_the_highest_level_reached(
    client: httpx.AsyncClient, acme: Tenant, test_database: Database
) -> None:
    await _rule(
        client,
        acme,
        name="Ladder",
        trigger="unacknowledged",
        levels=[
            {"afterMinutes": 10, "notify": ["supervisors"]},
            {"afterMinutes": 20, "notify": ["supervisors"]},
            {"afterMinutes": 30, "notify": ["managers"]},
        ],
    )
    work = await make_work_order(client, acme)
    start = datetime.fromisoformat(str(work["reportedAt"]))
    assert await _levels(test_database, acme, start + timedelta(hours=5)) == [(3, 0)]
    history = (
        await client.get(f"{URL}/{work['id']}/history", headers=acme.headers("admin"))
    ).json()
    assert history["escalations"][0]["actions"]["skipped"] == [1, 2]
    assert await _levels(test_database, acme, start + timedelta(days=5)) == []  # no repeat


async def test_overdue_work_is_told_once_and_escalates_by_site(
    client: httpx.AsyncClient, acme: Tenant, test_database: Database
) -> None:
    technician = str(acme.users["technician"].id)
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=10)).isoformat()
    await _rule(
        client,
        acme,
        name="Late in the south",
        trigger="overdue",
        siteId=str(acme.south.id),
        levels=[{"afterMinutes": 0, "notify": ["managers"]}],
    )
    rule = await _rule(
        client,
        acme,
        name="Late in the north",
        trigger="overdue",
        siteId=str(acme.north.id),
        priorities=["medium"],
        levels=[{"afterMinutes": 5, "notify": ["assignees"]}],
    )
    work = await make_work_order(client, acme, dueAt=due, assigneeIds=[technician])
    unassigned = await make_work_order(client, acme, dueAt=due, title="Nobody has this")
    later = await make_work_order(client, acme, dueAt=(now + timedelta(hours=1)).isoformat())
    # Past due two hours ago (a low one, outside the rule): too late for a notice.
    stale = (now - timedelta(hours=2)).isoformat()
    await make_work_order(client, acme, dueAt=stale, assigneeIds=[technician], priority="low")
    made = await scan.run_organization(test_database, acme.organization_id, now)
    assert {(str(e.work_order_id), str(e.rule_id)) for e in made} == {
        (work["id"], rule["id"]),
        (unassigned["id"], rule["id"]),
    }
    assert await scan.run_organization(test_database, acme.organization_id, now) == []
    number = work["number"]
    # Newest first: the rules run before the overdue notices; the second pass told no one.
    assert await _told(client, acme, "technician") == [
        ("overdue", f"{number} is overdue: Inspect the feed pump"),
        ("escalation", f"{number} escalated (level 1): Inspect the feed pump"),
    ]
    # Nobody on it: its site's supervisors hear that it is overdue.
    supervisor = await _told(client, acme, "supervisor")
    assert supervisor == [("overdue", f"{unassigned['number']} is overdue: Nobody has this")]
    assert all(later["number"] not in title for _, title in await _told(client, acme, "manager"))
