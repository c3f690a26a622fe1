"""/api/v1/work-orders: create, read, change, delete, lists, idempotent creates, tenants."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_asset, make_work_order

# On the embedded PostgreSQL too (scripts/test runs the smoke suite there).
pytestmark = pytest.mark.smoke


async def test_create_and_read_every_field(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make_asset(client, acme, "P-1")
    body = {
        "title": "Pump leaks at the seal",
        "description": "Drips under the feed pump.",
        "type": "corrective",
        "priority": "high",
        "assetIds": [asset["id"]],
        "assigneeIds": [str(acme.users["technician"].id)],
        "dueAt": "2030-01-02T03:04:05Z",
        "scheduledStartAt": "2030-01-01T08:00:00Z",
        "scheduledEndAt": "2030-01-01T12:00:00Z",
        "estimatedHours": "3.50",
        "otherCost": "12.00",
        "locationId": str(acme.north_area.id),
    }
    created = await client.post(URL, headers=acme.headers("supervisor"), json=body)
    assert created.status_code == 201, created.text
    got = (await client.get(f"{URL}/{created.json()['id']}", headers=acme.headers("admin"))).json()
    for key, value in body.items():
        assert got[key] == value, key
    assert got["number"].startswith("WO-")
    assert len(got["number"]) == 9
    assert got["status"] == "assigned"  # created with an assignee
    assert got["siteId"] == str(acme.north.id)
    assert got["requesterId"] == str(acme.users["supervisor"].id)
    assert created.headers["etag"] == 'W/"1"'
    assert created.json() == got  # the create answers with the row as a read shows it


async def test_create_answers_links_in_read_order(client: httpx.AsyncClient, acme: Tenant) -> None:
    assets = [await make_asset(client, acme, f"P-{n}") for n in range(3)]
    people = [str(acme.users[role].id) for role in ("technician", "supervisor")]
    body = {
        "title": "Line stop",
        "type": "emergency",
        "priority": "critical",
        "assetIds": sorted((a["id"] for a in assets), reverse=True),
        "assigneeIds": sorted(people, reverse=True),
    }
    created = await client.post(URL, headers=acme.headers("supervisor"), json=body)
    assert created.status_code == 201, created.text
    got = await client.get(f"{URL}/{created.json()['id']}", headers=acme.headers("admin"))
    assert created.json() == got.json()
    assert got.json()["assetIds"] == sorted(body["assetIds"])


async def test_numbers_count_up_per_organization(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    first = await make_work_order(client, acme)
    second = await make_work_order(client, acme)
    other = await make_work_order(client, globex)
    a, b = int(str(first["number"])[3:]), int(str(second["number"])[3:])
    assert b == a + 1
    assert other["number"] == "WO-000001"


async def test_validation_names_each_field_and_stores_nothing(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    body = {
        "title": "",
        "type": "urgent",
        "priority": "extreme",
        "assetIds": [str(uuid4())],
        "estimatedHours": "-1",
        "scheduledStartAt": "2030-01-02T00:00:00Z",
        "scheduledEndAt": "2030-01-01T00:00:00Z",
        "due_at": "2030-01-01T00:00:00Z",
    }
    response = await client.post(URL, headers=acme.headers("admin"), json=body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"title", "type", "priority", "estimatedHours", "due_at"} <= fields
    missing = await client.post(
        URL, headers=acme.headers("admin"), json={"title": "x", "assetIds": [str(uuid4())]}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "assetIds[0]"
    listed = await client.get(URL, headers=acme.headers("admin"))
    assert listed.json()["items"] == []


async def test_another_tenant_sees_nothing(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await make_work_order(client, acme)
    url = f"{URL}/{work['id']}"
    headers = globex.headers("admin")
    assert (await client.get(url, headers=headers)).status_code == 404
    patch = await client.patch(url, headers=headers, json={"title": "mine"})
    assert patch.status_code == 404
    moved = await client.post(f"{url}/transitions", headers=headers, json={"to": "cancelled"})
    assert moved.status_code == 404
    assert (await client.get(f"{url}/history", headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    assert (await client.get(URL, headers=headers)).json()["items"] == []
    # Naming another tenant's asset is a missing asset.
    asset = await make_asset(client, acme, "X-1")
    body = {"title": "x", "assetIds": [asset["id"]]}
    assert (await client.post(URL, headers=headers, json=body)).status_code == 422


async def test_patch_changes_only_what_is_sent_and_checks_if_match(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await make_work_order(client, acme, description="keep me")
    url = f"{URL}/{work['id']}"
    headers = acme.headers("admin")
    changed = await client.patch(
        url, headers={**headers, "If-Match": 'W/"1"'}, json={"title": "New title"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["description"] == "keep me"
    assert changed.json()["version"] == 2
    stale = await client.patch(
        url, headers={**headers, "If-Match": 'W/"1"'}, json={"title": "Lost"}
    )
    assert stale.status_code == 412
    nulled = await client.patch(url, headers=headers, json={"title": None})
    assert nulled.status_code == 422
    status = await client.patch(url, headers=headers, json={"status": "closed"})
    assert status.status_code == 422  # status moves through transitions only


async def test_idempotent_create_returns_the_first_answer(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = {**acme.headers("admin"), "Idempotency-Key": "create-1"}
    body = {"title": "Once only"}
    first = await client.post(URL, headers=headers, json=body)
    again = await client.post(URL, headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    listed = await client.get(URL, headers=acme.headers("admin"))
    assert [item["id"] for item in listed.json()["items"]] == [first.json()["id"]]
    other_body = await client.post(URL, headers=headers, json={"title": "Something else"})
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["code"] == "key_reused"


async def test_soft_delete_hides_the_work_order(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await make_work_order(client, acme)
    url = f"{URL}/{work['id']}"
    assert (await client.delete(url, headers=acme.headers("admin"))).status_code == 204
    assert (await client.get(url, headers=acme.headers("admin"))).status_code == 404
