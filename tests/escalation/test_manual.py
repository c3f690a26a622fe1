"""POST /work-orders/{id}/escalate: supervisors and above escalate open work by hand with a
reason; it is recorded on the history, told to the right people, counted, and refused for
closed work, for technicians, outside the caller's sites and across tenants."""

from __future__ import annotations

import httpx
import pytest

from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_work_order

# On the embedded PostgreSQL too (scripts/test runs the smoke suite there).
pytestmark = pytest.mark.smoke

NOTIFICATIONS = "/api/v1/notifications"


async def _titles(client: httpx.AsyncClient, tenant: Tenant, role: str) -> list[str]:
    response = await client.get(NOTIFICATIONS, headers=tenant.headers(role))
    return [n["title"] for n in response.json()["items"] if n["type"] == "escalation"]


async def test_a_supervisor_escalates_by_hand(client: httpx.AsyncClient, acme: Tenant) -> None:
    technician = str(acme.users["technician"].id)
    work = await make_work_order(client, acme, priority="low")
    url = f"{URL}/{work['id']}/escalate"
    first = await client.post(
        url,
        headers=acme.headers("supervisor"),
        json={"reason": "Line 2 is down", "raisePriority": True, "reassignUserId": technician},
    )
    assert first.status_code == 201, first.text
    escalation = first.json()
    assert (escalation["kind"], escalation["level"], escalation["ruleId"]) == ("manual", 1, None)
    assert escalation["escalatedBy"] == str(acme.users["supervisor"].id)
    assert escalation["actions"]["priority"] == {"from": "low", "to": "medium"}
    second = await client.post(
        url, headers=acme.headers("manager"), json={"reason": "Still down", "priority": "critical"}
    )
    assert (second.status_code, second.json()["level"]) == (201, 2)
    got = (await client.get(f"{URL}/{work['id']}", headers=acme.headers("admin"))).json()
    assert (got["priority"], got["status"], got["assigneeIds"]) == (
        "critical",
        "assigned",
        [technician],
    )
    history = await client.get(f"{URL}/{work['id']}/history", headers=acme.headers("technician"))
    assert [e["reason"] for e in history.json()["escalations"]] == ["Still down", "Line 2 is down"]
    number, title = work["number"], work["title"]
    by_hand = f"{number} escalated (by hand): {title}"
    # Neither actor is told of their own act; the assignee (from the first) hears of both.
    assert await _titles(client, acme, "supervisor") == [by_hand]
    assert await _titles(client, acme, "manager") == [by_hand]
    assert await _titles(client, acme, "technician") == [by_hand, by_hand]
    assert await _titles(client, acme, "requester") == []
    counts = await client.get("/api/v1/escalation-rules/counts", headers=acme.headers("manager"))
    assert counts.json()["items"] == [
        {
            "ruleId": None,
            "name": "Escalated by hand",
            "levels": [{"level": 1, "count": 1}, {"level": 2, "count": 1}],
            "total": 2,
        }
    ]


async def test_escalating_by_hand_is_refused_where_it_should_be(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await make_work_order(client, acme)
    url = f"{URL}/{work['id']}/escalate"
    body = {"reason": "Urgent"}
    technician = await client.post(url, headers=acme.headers("technician"), json=body)
    assert technician.status_code == 403
    missing = await client.post(url, headers=acme.headers("supervisor"), json={})
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "reason")
    both = await client.post(
        url,
        headers=acme.headers("supervisor"),
        json={**body, "priority": "high", "raisePriority": True},
    )
    assert both.status_code == 422
    unknown = await client.post(
        url,
        headers=acme.headers("supervisor"),
        json={**body, "notifyUserIds": [str(globex.users["admin"].id)]},
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "notifyUserIds[0]")
    other = await client.post(url, headers=globex.headers("admin"), json=body)
    assert other.status_code == 404
    south = await make_work_order(client, acme, locationId=str(acme.south.id))
    outside = await client.post(
        f"{URL}/{south['id']}/escalate", headers=acme.headers("supervisor"), json=body
    )
    assert outside.status_code == 404  # not in the supervisor's sites
    cancelled = await client.post(
        f"{URL}/{work['id']}/transitions",
        headers=acme.headers("manager"),
        json={"to": "cancelled", "reason": "Duplicate"},
    )
    assert cancelled.status_code == 200, cancelled.text
    closed = await client.post(url, headers=acme.headers("manager"), json=body)
    assert (closed.status_code, closed.json()["code"]) == (409, "invalid_state")
    history = await client.get(f"{URL}/{work['id']}/history", headers=acme.headers("admin"))
    assert history.json()["escalations"] == []
