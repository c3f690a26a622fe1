"""/api/v1/activity-logs: filters, keyset pagination, exports, permissions and isolation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from maintainpro.audit import service as audit_service
from maintainpro.core import context
from maintainpro.core.pagination import encode_cursor
from maintainpro.models import ActivityLog
from tests.factories.identity import Tenant
from tests.factories.work_order import make_work_order

URL = "/api/v1/activity-logs"
COLUMNS = [
    "id",
    "occurredAt",
    "organizationId",
    "actorId",
    "requestId",
    "clientIp",
    "entityType",
    "entityId",
    "action",
    "before",
    "after",
]
Entry = dict[str, object]


async def _rename(client: httpx.AsyncClient, tenant: Tenant, name: str, request_id: str) -> None:
    response = await client.patch(
        f"/api/v1/locations/{tenant.south.id}",
        json={"name": name},
        headers={**tenant.headers("admin"), "X-Request-ID": request_id},
    )
    assert response.status_code == 200


async def _list(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, str], role: str = "admin"
) -> dict[str, object]:
    response = await client.get(URL, params=params, headers=tenant.headers(role))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def _everything(client: httpx.AsyncClient, tenant: Tenant, **params: str) -> list[Entry]:
    """The whole (small) trail in one page; fails rather than silently truncating."""
    body = await _list(client, tenant, {"limit": "200", **params})
    assert body["nextCursor"] is None
    items = body["items"]
    assert isinstance(items, list)
    return items


async def _seed_at(
    sessions: async_sessionmaker[AsyncSession], tenant: Tenant, *times: datetime
) -> list[ActivityLog]:
    """Entries at chosen times: trigger-written rows all share the test transaction's now()."""
    rows = [
        ActivityLog(
            id=uuid7(),
            occurred_at=at,
            organization_id=tenant.organization_id,
            entity_type="seeded",
            entity_id=uuid7(),
            action="insert",
            after={"at": at.isoformat()},
        )
        for at in times
    ]
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session, session.begin():
            session.add_all(rows)
    return rows


async def test_a_change_is_listed_with_actor_request_and_diff(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _rename(client, acme, "South Depot", "req-audit-list")
    body = await _list(
        client, acme, {"entityId": str(acme.south.id), "action": "update"}, role="manager"
    )
    assert body["nextCursor"] is None
    [entry] = body["items"]  # type: ignore[misc]
    assert entry["actorId"] == str(acme.users["admin"].id)
    assert entry["requestId"] == "req-audit-list"
    assert entry["organizationId"] == str(acme.organization_id)
    assert entry["entityType"] == "locations"
    assert entry["before"] == {"name": acme.south.name}
    assert entry["after"] == {"name": "South Depot"}
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            stored = (
                await session.scalars(
                    select(ActivityLog).where(
                        ActivityLog.entity_id == acme.south.id, ActivityLog.action == "update"
                    )
                )
            ).one()
    assert (str(stored.id), stored.actor_id, stored.request_id) == (
        entry["id"],
        acme.users["admin"].id,
        "req-audit-list",
    )


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("entityType", lambda t: "locations"),
        ("entityId", lambda t: str(t.south.id)),
        ("actorId", lambda t: str(t.users["admin"].id)),
        ("action", lambda t: "update"),
    ],
)
async def test_each_filter_keeps_exactly_its_entries(
    client: httpx.AsyncClient, acme: Tenant, param: str, value: Callable[[Tenant], str]
) -> None:
    await _rename(client, acme, "Filtered", "req-filter")
    everything = await _everything(client, acme)
    filtered = await _everything(client, acme, **{param: value(acme)})
    expected = [e["id"] for e in everything if e[param] == value(acme)]
    assert [e["id"] for e in filtered] == expected
    assert 0 < len(filtered) < len(everything)


async def test_time_range_includes_from_and_excludes_to(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = datetime.now(UTC)
    old, older, oldest = await _seed_at(
        sessions, acme, *(now - timedelta(hours=h) for h in (1, 2, 3))
    )
    everything = await _everything(client, acme)

    async def ids(**params: str) -> list[object]:
        return [e["id"] for e in await _everything(client, acme, **params)]

    window = await ids(**{"from": older.occurred_at.isoformat(), "to": old.occurred_at.isoformat()})
    assert window == [str(older.id)]
    recent = await ids(**{"from": (now - timedelta(minutes=150)).isoformat()})
    assert recent == [e["id"] for e in everything if e["id"] != str(oldest.id)]
    before = await ids(to=(now - timedelta(minutes=90)).isoformat())
    assert before == [str(older.id), str(oldest.id)]
    assert await ids(**{"from": (now + timedelta(hours=1)).isoformat()}) == []


async def test_pagination_walks_every_entry_once_newest_first(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # Distinct seeded times plus the trigger rows' shared time: the keyset must break ties by id.
    now = datetime.now(UTC)
    await _seed_at(sessions, acme, now - timedelta(hours=2), now - timedelta(hours=1))
    everything = await _everything(client, acme)
    seen: list[object] = []
    cursor: str | None = None
    while True:
        body = await _list(client, acme, {"limit": "1", **({"cursor": cursor} if cursor else {})})
        assert isinstance(body["items"], list)
        assert len(body["items"]) == 1
        seen += [e["id"] for e in body["items"]]
        if (cursor := body["nextCursor"]) is None:  # type: ignore[assignment]
            break
    assert len(seen) == len(set(seen)) == len(everything) > 2
    assert seen == [e["id"] for e in everything]
    stamps = [str(e["occurredAt"]) for e in everything]
    assert stamps == sorted(stamps, reverse=True)


def _now(hours: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


@pytest.mark.parametrize(
    ("path", "params", "field", "code"),
    [
        ("", {"cursor": "bm9wZQ"}, "cursor", "invalid"),
        ("", {"cursor": encode_cursor("yesterday", uuid7())}, "cursor", "invalid"),
        ("", {"cursor": encode_cursor("2026-01-01T00:00:00", uuid7())}, "cursor", "invalid"),
        ("", {"from": _now(), "to": _now(-24)}, "to", "value_error"),
        ("", {"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to", "value_error"),
        ("", {"from": "2026-01-01T00:00:00"}, "from", "timezone_aware"),
        ("", {"action": "explode"}, "action", "literal_error"),
        ("", {"entityId": "nope"}, "entityId", "uuid_parsing"),
        ("", {"limit": "0"}, "limit", "greater_than_equal"),
        ("", {"limit": "201"}, "limit", "less_than_equal"),
        ("", {"colour": "red"}, "colour", "extra_forbidden"),
        ("", {"entity_type": "users"}, "entity_type", "extra_forbidden"),
        ("/export", {"cursor": "x"}, "cursor", "extra_forbidden"),
        ("/export", {"format": "xml"}, "format", "literal_error"),
        ("/export", {"from": _now(), "to": _now(-1)}, "to", "value_error"),
    ],
)
async def test_bad_queries_are_422_naming_the_field(
    client: httpx.AsyncClient,
    acme: Tenant,
    path: str,
    params: dict[str, str],
    field: str,
    code: str,
) -> None:
    response = await client.get(URL + path, params=params, headers=acme.headers("admin"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]


@pytest.mark.parametrize(
    "role", ["supervisor", "technician", "inventory_clerk", "contractor", "requester"]
)
@pytest.mark.parametrize("path", ["", "/export"])
async def test_only_admins_and_managers_read_the_trail(
    client: httpx.AsyncClient, acme: Tenant, role: str, path: str
) -> None:
    response = await client.get(URL + path, headers=acme.headers(role))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


async def test_another_organization_sees_none_of_it(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    await _rename(client, acme, "Secret", "req-secret")
    theirs = await _everything(client, globex)
    assert theirs
    assert {e["organizationId"] for e in theirs} == {str(globex.organization_id)}
    assert await _everything(client, globex, entityId=str(acme.south.id)) == []
    exported = await client.get(
        f"{URL}/export", params={"format": "json"}, headers=globex.headers("admin")
    )
    assert exported.status_code == 200
    assert json.loads(exported.text) == theirs


def _from_csv(row: dict[str, str]) -> Entry:
    """A CSV row back into the list endpoint's shape: JSON cells decoded, empty cells null."""
    return {k: json.loads(v) if k in {"before", "after"} else v or None for k, v in row.items()}


async def test_exports_match_the_list(client: httpx.AsyncClient, acme: Tenant) -> None:
    await _rename(client, acme, 'Exported, "quoted"', "req-export")
    headers = acme.headers("admin")
    listed = await _everything(client, acme)

    as_json = await client.get(f"{URL}/export", params={"format": "json"}, headers=headers)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["content-disposition"] == 'attachment; filename="activity-logs.json"'
    assert json.loads(as_json.text) == listed

    as_csv = await client.get(f"{URL}/export", params={"format": "csv"}, headers=headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == 'attachment; filename="activity-logs.csv"'
    lines = as_csv.text.splitlines()
    assert lines[0].split(",") == COLUMNS
    assert len(lines) == len(listed) + 1
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [_from_csv(row) for row in rows] == listed
    renamed = next(row for row in rows if row["requestId"] == "req-export")
    assert json.loads(renamed["after"]) == {"name": 'Exported, "quoted"'}


async def test_exports_apply_the_filters(client: httpx.AsyncClient, acme: Tenant) -> None:
    await _rename(client, acme, "Filtered export", "req-export-filter")
    updates = await _everything(client, acme, action="update")
    response = await client.get(
        f"{URL}/export", params={"format": "csv", "action": "update"}, headers=acme.headers("admin")
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["id"] for row in rows] == [e["id"] for e in updates]
    assert {row["action"] for row in rows} == {"update"}


async def test_export_reads_in_batches_and_stops_at_the_limit(
    client: httpx.AsyncClient, acme: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = await _everything(client, acme)
    assert len(listed) > 5
    monkeypatch.setattr(audit_service, "EXPORT_BATCH", 2)
    monkeypatch.setattr(audit_service, "EXPORT_LIMIT", 5)
    response = await client.get(
        f"{URL}/export", params={"format": "json"}, headers=acme.headers("admin")
    )
    assert response.status_code == 200
    assert json.loads(response.text) == listed[:5]


async def test_a_partitioned_table_is_named_by_its_own_name(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    """A work order's entries say `work_orders`, whichever quarter's partition holds the row."""
    work = await make_work_order(client, acme)
    entries = await _everything(client, acme, entityId=str(work["id"]))
    assert {e["entityType"] for e in entries} == {"work_orders"}
    by_type = await _everything(client, acme, entityType="work_orders", action="insert")
    assert str(work["id"]) in {e["entityId"] for e in by_type}
