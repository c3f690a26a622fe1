"""/api/v1/activity-logs: filters, keyset pagination, exports, permissions and isolation."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import httpx

from tests.factories.identity import Tenant

URL = "/api/v1/activity-logs"


async def _rename(client: httpx.AsyncClient, tenant: Tenant, name: str, request_id: str) -> None:
    response = await client.patch(
        f"/api/v1/locations/{tenant.south.id}",
        json={"name": name},
        headers={**tenant.headers("admin"), "X-Request-ID": request_id},
    )
    assert response.status_code == 200


async def test_a_change_is_listed_with_actor_request_and_diff(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    await _rename(client, acme, "South Depot", "req-audit-list")
    response = await client.get(
        URL,
        params={"entityId": str(acme.south.id), "action": "update"},
        headers=acme.headers("manager"),
    )
    assert response.status_code == 200
    [entry] = response.json()["items"]
    assert entry["actorId"] == str(acme.users["admin"].id)
    assert entry["requestId"] == "req-audit-list"
    assert entry["entityType"] == "locations"
    assert entry["before"] == {"name": "Location SOUTH"}
    assert entry["after"] == {"name": "South Depot"}
    assert response.json()["nextCursor"] is None


async def test_filters_each_narrow_the_trail(client: httpx.AsyncClient, acme: Tenant) -> None:
    await _rename(client, acme, "S1", "req-f1")
    headers = acme.headers("admin")
    everything = (await client.get(URL, params={"limit": "200"}, headers=headers)).json()["items"]
    by_type = (
        await client.get(URL, params={"entityType": "users", "limit": "200"}, headers=headers)
    ).json()
    assert by_type["items"]
    assert {e["entityType"] for e in by_type["items"]} == {"users"}
    by_actor = (
        await client.get(URL, params={"actorId": str(acme.users["admin"].id)}, headers=headers)
    ).json()
    assert {e["actorId"] for e in by_actor["items"]} == {str(acme.users["admin"].id)}
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    in_range = (
        await client.get(URL, params={"from": past, "to": future, "limit": "200"}, headers=headers)
    ).json()
    assert len(in_range["items"]) == len(everything)
    later = (await client.get(URL, params={"from": future}, headers=headers)).json()
    assert later["items"] == []
    inserts = (
        await client.get(URL, params={"action": "insert", "limit": "200"}, headers=headers)
    ).json()
    assert {e["action"] for e in inserts["items"]} == {"insert"}
    assert len(inserts["items"]) < len(everything)


async def test_pagination_walks_every_entry_once_newest_first(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("admin")
    total = len((await client.get(URL, params={"limit": "200"}, headers=headers)).json()["items"])
    seen: list[str] = []
    stamps: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=headers)).json()
        seen += [e["id"] for e in page["items"]]
        stamps += [e["occurredAt"] for e in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
    assert len(seen) == len(set(seen)) == total
    assert stamps == sorted(stamps, reverse=True)


async def test_bad_queries_are_named(client: httpx.AsyncClient, acme: Tenant) -> None:
    headers = acme.headers("admin")
    cursor = await client.get(URL, params={"cursor": "bm9wZQ"}, headers=headers)
    assert (cursor.status_code, cursor.json()["errors"][0]["field"]) == (422, "cursor")
    now = datetime.now(UTC)
    backwards = await client.get(
        URL,
        params={"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()},
        headers=headers,
    )
    assert backwards.status_code == 422
    naive = await client.get(URL, params={"from": "2026-01-01T00:00:00"}, headers=headers)
    assert naive.status_code == 422
    unknown = await client.get(URL, params={"colour": "red"}, headers=headers)
    assert unknown.json()["errors"][0]["code"] == "extra_forbidden"
    action = await client.get(URL, params={"action": "explode"}, headers=headers)
    assert action.json()["errors"][0]["field"] == "action"


async def test_only_admins_and_managers_read_the_trail(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    for role in ("supervisor", "technician", "inventory_clerk", "contractor", "requester"):
        assert (await client.get(URL, headers=acme.headers(role))).status_code == 403
        assert (await client.get(f"{URL}/export", headers=acme.headers(role))).status_code == 403


async def test_another_organization_sees_none_of_it(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    await _rename(client, acme, "Secret", "req-secret")
    theirs = (
        await client.get(URL, params={"limit": "200"}, headers=globex.headers("admin"))
    ).json()
    assert {e["organizationId"] for e in theirs["items"]} == {str(globex.organization_id)}
    by_id = (
        await client.get(
            URL, params={"entityId": str(acme.south.id)}, headers=globex.headers("admin")
        )
    ).json()
    assert by_id["items"] == []


async def test_exports_match_the_list(client: httpx.AsyncClient, acme: Tenant) -> None:
    await _rename(client, acme, 'Exported, "quoted"', "req-export")
    headers = acme.headers("admin")
    listed = (await client.get(URL, params={"limit": "200"}, headers=headers)).json()["items"]
    as_json = await client.get(f"{URL}/export", params={"format": "json"}, headers=headers)
    assert as_json.headers["content-type"].startswith("application/json")
    assert 'filename="activity-logs.json"' in as_json.headers["content-disposition"]
    assert json.loads(as_json.text) == listed
    as_csv = await client.get(f"{URL}/export", params={"format": "csv"}, headers=headers)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["id"] for row in rows] == [entry["id"] for entry in listed]
    renamed = next(row for row in rows if row["requestId"] == "req-export")
    assert json.loads(renamed["after"]) == {"name": 'Exported, "quoted"'}
    filtered = await client.get(
        f"{URL}/export", params={"format": "csv", "action": "update"}, headers=headers
    )
    assert {row["action"] for row in csv.DictReader(io.StringIO(filtered.text))} == {"update"}
