"""/api/v1/assets/{id}/downtime, /api/v1/downtime/{id} and /api/v1/assets/{id}/availability:
recording, ending, listing, availability by hand-computed numbers, scopes and tenancy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.models import ActivityLog
from tests.asset.test_routes import make
from tests.factories.identity import Tenant
from tests.factories.work_order import make_work_order

H = timedelta(hours=1)
M = timedelta(minutes=1)
# A whole hour well in the past, so open events are capped at `to`, not at now.
T = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def record(
    client: httpx.AsyncClient,
    tenant: Tenant,
    asset_id: object,
    start: datetime,
    end: datetime | None = None,
    kind: str = "unplanned",
) -> dict[str, object]:
    body = {"startedAt": iso(start), "endedAt": iso(end) if end else None, "kind": kind}
    response = await client.post(
        f"/api/v1/assets/{asset_id}/downtime", headers=tenant.headers("admin"), json=body
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def availability(
    client: httpx.AsyncClient, tenant: Tenant, asset_id: object, start: datetime, end: datetime
) -> httpx.Response:
    return await client.get(
        f"/api/v1/assets/{asset_id}/availability",
        headers=tenant.headers("admin"),
        params={"from": iso(start), "to": iso(end)},
    )


def fields(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


async def test_create_read_end_and_delete(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-1")
    work = await make_work_order(client, acme, title="Belt change")
    body = {
        "startedAt": iso(T),
        "kind": "planned",
        "reasonCode": "PM",
        "notes": "Belt change",
        "workOrderId": work["id"],
    }
    unknown = {**body, "workOrderId": "0190a7a0-0000-7000-8000-000000000001"}
    refused = await client.post(
        f"/api/v1/assets/{asset['id']}/downtime", headers=acme.headers("admin"), json=unknown
    )
    assert refused.status_code == 422
    assert fields(refused) == {"workOrderId"}
    created = await client.post(
        f"/api/v1/assets/{asset['id']}/downtime", headers=acme.headers("admin"), json=body
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert created.headers["etag"] == 'W/"1"'
    assert (event["assetId"], event["endedAt"], event["version"]) == (asset["id"], None, 1)
    assert datetime.fromisoformat(event["startedAt"]) == T
    for key in ("kind", "reasonCode", "notes", "workOrderId"):
        assert event[key] == body[key], key
    url = f"/api/v1/downtime/{event['id']}"
    assert (await client.get(url, headers=acme.headers("admin"))).json() == event

    ended = await client.patch(
        url, headers={**acme.headers("admin"), "If-Match": 'W/"1"'}, json={"endedAt": iso(T + H)}
    )
    assert ended.status_code == 200, ended.text
    assert datetime.fromisoformat(ended.json()["endedAt"]) == T + H
    assert ended.headers["etag"] == 'W/"2"'
    stale = await client.patch(
        url, headers={**acme.headers("admin"), "If-Match": 'W/"1"'}, json={"notes": "x"}
    )
    assert stale.status_code == 412

    deleted = await client.delete(url, headers=acme.headers("admin"))
    assert deleted.status_code == 204
    assert (await client.get(url, headers=acme.headers("admin"))).status_code == 404
    listed = await client.get(
        f"/api/v1/assets/{asset['id']}/downtime", headers=acme.headers("admin")
    )
    assert listed.json() == {"items": [], "nextCursor": None}
    gone = await availability(client, acme, asset["id"], T, T + 2 * H)
    assert gone.json()["downtimeSeconds"] == 0


async def test_validation_names_each_field(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-2")
    url = f"/api/v1/assets/{asset['id']}/downtime"
    admin = acme.headers("admin")
    bad = await client.post(
        url,
        headers=admin,
        json={"startedAt": "2026-01-01T10:00:00", "kind": "broken", "reason_code": "x"},
    )
    assert bad.status_code == 422
    assert fields(bad) == {"startedAt", "kind", "reason_code"}
    for end in (T - H, T):
        backwards = await client.post(
            url, headers=admin, json={"startedAt": iso(T), "endedAt": iso(end), "kind": "planned"}
        )
        assert backwards.status_code == 422, end
        assert fields(backwards) == {"endedAt"}
    future = datetime.now(UTC) + 10 * M
    ahead = await client.post(
        url, headers=admin, json={"startedAt": iso(future), "kind": "planned"}
    )
    assert ahead.status_code == 422
    assert fields(ahead) == {"startedAt"}
    soon = await client.post(
        url, headers=admin, json={"startedAt": iso(datetime.now(UTC) + M), "kind": "planned"}
    )
    assert soon.status_code == 201, "clock skew up to 5 minutes is tolerated"

    event = await record(client, acme, asset["id"], T, T + H)
    patch_url = f"/api/v1/downtime/{event['id']}"
    null_kind = await client.patch(patch_url, headers=admin, json={"kind": None})
    assert (null_kind.status_code, fields(null_kind)) == (422, {"kind"})
    early_end = await client.patch(patch_url, headers=admin, json={"endedAt": iso(T - M)})
    assert (early_end.status_code, fields(early_end)) == (422, {"endedAt"})


async def test_one_open_event_per_asset(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-3")
    admin = acme.headers("admin")
    first = await record(client, acme, asset["id"], T)
    second = await client.post(
        f"/api/v1/assets/{asset['id']}/downtime",
        headers=admin,
        json={"startedAt": iso(T + H), "kind": "unplanned"},
    )
    assert second.status_code == 409
    assert fields(second) == {"endedAt"}
    await record(client, acme, asset["id"], T - 3 * H, T - 2 * H)  # closed ones still fit
    other = await make(client, acme, "D-3b")
    await record(client, acme, other["id"], T)  # the rule is per asset

    ended = await client.patch(
        f"/api/v1/downtime/{first['id']}", headers=admin, json={"endedAt": iso(T + 2 * H)}
    )
    assert ended.status_code == 200
    reopened_elsewhere = await record(client, acme, asset["id"], T + 3 * H)
    reopen = await client.patch(
        f"/api/v1/downtime/{first['id']}", headers=admin, json={"endedAt": None}
    )
    assert reopen.status_code == 409
    edit_open = await client.patch(
        f"/api/v1/downtime/{reopened_elsewhere['id']}", headers=admin, json={"notes": "still"}
    )
    assert edit_open.status_code == 200, "editing the open event itself is no conflict"


async def test_list_newest_first_with_cursor_and_filters(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make(client, acme, "D-4")
    early = await record(client, acme, asset["id"], T, T + H)
    middle = await record(client, acme, asset["id"], T + 2 * H, T + 3 * H)
    ongoing = await record(client, acme, asset["id"], T + 5 * H)
    url = f"/api/v1/assets/{asset['id']}/downtime"
    admin = acme.headers("admin")

    first = (await client.get(url, headers=admin, params={"limit": 2})).json()
    assert [e["id"] for e in first["items"]] == [ongoing["id"], middle["id"]]
    rest = await client.get(url, headers=admin, params={"limit": 2, "cursor": first["nextCursor"]})
    assert [e["id"] for e in rest.json()["items"]] == [early["id"]]
    assert rest.json()["nextCursor"] is None

    window = {"from": iso(T + 30 * M), "to": iso(T + 2 * H + M)}
    overlapping = (await client.get(url, headers=admin, params=window)).json()["items"]
    assert [e["id"] for e in overlapping] == [middle["id"], early["id"]]
    later = {"from": iso(T + 10 * H), "to": iso(T + 11 * H)}
    assert [
        e["id"] for e in (await client.get(url, headers=admin, params=later)).json()["items"]
    ] == [ongoing["id"]]
    only_open = (await client.get(url, headers=admin, params={"open": "true"})).json()["items"]
    assert [e["id"] for e in only_open] == [ongoing["id"]]
    closed = (await client.get(url, headers=admin, params={"open": "false"})).json()["items"]
    assert [e["id"] for e in closed] == [middle["id"], early["id"]]
    bad = await client.get(url, headers=admin, params={"cursor": "nonsense"})
    assert (bad.status_code, fields(bad)) == (422, {"cursor"})


async def test_availability_merges_overlaps_by_hand(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make(client, acme, "D-5")
    await record(client, acme, asset["id"], T + 1 * H, T + 3 * H, "unplanned")
    await record(client, acme, asset["id"], T + 2 * H, T + 4 * H, "planned")  # overlaps 2h-3h
    await record(client, acme, asset["id"], T + 6 * H, T + 6 * H + 30 * M, "unplanned")
    await record(client, acme, asset["id"], T + 9 * H)  # open: capped at `to` = 10h
    response = await availability(client, acme, asset["id"], T, T + 10 * H)
    assert response.status_code == 200, response.text
    # Down: [1h, 4h) 3h + [6h, 6h30) 0.5h + [9h, 10h) 1h = 4.5h = 16200 s of a 36000 s period.
    # Unplanned: [1h, 3h) 2h + 0.5h + 1h = 3.5h = 12600 s; planned only [3h, 4h) = 3600 s.
    assert response.json() == {
        "assetId": asset["id"],
        "from": response.json()["from"],
        "to": response.json()["to"],
        "periodSeconds": 36000,
        "downtimeSeconds": 16200,
        "plannedDowntimeSeconds": 3600,
        "unplannedDowntimeSeconds": 12600,
        "uptimeSeconds": 19800,
        "availability": 0.55,
    }
    assert datetime.fromisoformat(response.json()["from"]) == T


async def test_availability_clips_at_period_edges(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-6")
    await record(client, acme, asset["id"], T - H, T + 30 * M)  # 0.5h inside
    await record(client, acme, asset["id"], T + H, T + 2 * H)
    await record(client, acme, asset["id"], T + 2 * H, T + 2 * H + 15 * M)  # touches: 1.25h
    await record(client, acme, asset["id"], T + 3 * H + 30 * M, T + 5 * H, "planned")  # 0.5h in
    await record(client, acme, asset["id"], T - 3 * H, T - 2 * H)  # before the period
    await record(client, acme, asset["id"], T + 4 * H, T + 5 * H)  # starts exactly at `to`
    body = (await availability(client, acme, asset["id"], T, T + 4 * H)).json()
    # Down 0.5 + 1.25 + 0.5 = 2.25h = 8100 s of 14400 s; unplanned 1.75h; uptime 1.75h.
    assert body["downtimeSeconds"] == 8100
    assert body["unplannedDowntimeSeconds"] == 6300
    assert body["plannedDowntimeSeconds"] == 1800
    assert body["uptimeSeconds"] == 6300
    assert body["availability"] == 0.4375


async def test_unplanned_wins_where_kinds_overlap(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-7")
    await record(client, acme, asset["id"], T, T + 4 * H, "planned")
    await record(client, acme, asset["id"], T + H, T + 2 * H, "unplanned")
    body = (await availability(client, acme, asset["id"], T, T + 8 * H)).json()
    assert (body["downtimeSeconds"], body["plannedDowntimeSeconds"]) == (4 * 3600, 3 * 3600)
    assert (body["unplannedDowntimeSeconds"], body["availability"]) == (3600, 0.5)


async def test_open_event_runs_until_now(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-8")
    now = datetime.now(UTC)
    await record(client, acme, asset["id"], now - H)
    body = (await availability(client, acme, asset["id"], now - 2 * H, now + 2 * H)).json()
    assert body["periodSeconds"] == 4 * 3600
    assert 3600 <= body["downtimeSeconds"] < 3600 + 60, "capped at now, not at `to`"


async def test_empty_period_is_fully_available(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-9")
    await record(client, acme, asset["id"], T - 2 * H, T - H)
    body = (await availability(client, acme, asset["id"], T, T + H)).json()
    assert (body["availability"], body["uptimeSeconds"], body["downtimeSeconds"]) == (
        1.0,
        3600,
        0,
    )


async def test_availability_period_is_validated(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make(client, acme, "D-10")
    url = f"/api/v1/assets/{asset['id']}/availability"
    admin = acme.headers("admin")
    cases = [
        ({"from": iso(T), "to": iso(T)}, {"to"}),
        ({"from": iso(T), "to": iso(T + timedelta(days=367))}, {"to"}),
        ({"from": "2026-01-01T00:00:00", "to": iso(T)}, {"from"}),
        ({"to": iso(T)}, {"from"}),
    ]
    for params, expected in cases:
        response = await client.get(url, headers=admin, params=params)
        assert (response.status_code, fields(response)) == (422, expected), params
    year = await client.get(
        url, headers=admin, params={"from": iso(T), "to": iso(T + timedelta(days=366))}
    )
    assert year.status_code == 200


async def test_technician_reads_own_site_only(client: httpx.AsyncClient, acme: Tenant) -> None:
    north = await make(client, acme, "D-N")
    south = await make(client, acme, "D-S", locationId=str(acme.south.id))
    south_event = await record(client, acme, south["id"], T, T + H)
    tech = acme.headers("technician")
    params = {"from": iso(T), "to": iso(T + H)}
    read = await client.get(
        f"/api/v1/assets/{north['id']}/availability", headers=tech, params=params
    )
    assert read.status_code == 200
    assert (
        await client.get(f"/api/v1/assets/{north['id']}/downtime", headers=tech)
    ).status_code == 200
    post = await client.post(
        f"/api/v1/assets/{north['id']}/downtime",
        headers=tech,
        json={"startedAt": iso(T), "kind": "unplanned"},
    )
    assert post.status_code == 403
    for url in (f"/api/v1/assets/{south['id']}/downtime", f"/api/v1/downtime/{south_event['id']}"):
        assert (await client.get(url, headers=tech)).status_code == 404, url
    hidden = await client.get(
        f"/api/v1/assets/{south['id']}/availability", headers=tech, params=params
    )
    assert hidden.status_code == 404


async def test_other_tenant_gets_404_everywhere(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    asset = await make(client, acme, "D-X")
    event = await record(client, acme, asset["id"], T, T + H)
    other = globex.headers("admin")
    asset_url = f"/api/v1/assets/{asset['id']}"
    event_url = f"/api/v1/downtime/{event['id']}"
    responses = [
        await client.get(f"{asset_url}/downtime", headers=other),
        await client.post(
            f"{asset_url}/downtime", headers=other, json={"startedAt": iso(T), "kind": "planned"}
        ),
        await client.get(
            f"{asset_url}/availability", headers=other, params={"from": iso(T), "to": iso(T + H)}
        ),
        await client.get(event_url, headers=other),
        await client.patch(event_url, headers=other, json={"notes": "mine now"}),
        await client.delete(event_url, headers=other),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    still = await client.get(event_url, headers=acme.headers("admin"))
    assert (still.status_code, still.json()["notes"]) == (200, None)


async def test_created_event_is_audited(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    asset = await make(client, acme, "D-A")
    event = await record(client, acme, asset["id"], T, T + H)
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            rows = list(
                await session.scalars(
                    select(ActivityLog).where(
                        ActivityLog.entity_type == "downtime_events",
                        ActivityLog.entity_id == UUID(str(event["id"])),
                    )
                )
            )
    assert [(row.action, row.actor_id) for row in rows] == [("insert", acme.users["admin"].id)]
