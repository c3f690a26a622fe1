"""/work-orders/{id}/labor: manual entries, their validation, edits and deletes (own or, for
supervisors and above, anyone's), the per-person summary, tenants and visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from tests.factories.identity import Tenant
from tests.factories.labor import assigned_work, labor_url, log_time

NOW = datetime.now(UTC).replace(microsecond=0)


def _at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat()


async def test_an_entry_from_start_and_end(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned_work(client, acme)
    response = await client.post(
        labor_url(work),
        headers=acme.headers("technician"),
        json={"startedAt": _at(3), "endedAt": _at(1.5), "note": "replaced the seal"},
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert (entry["hours"], entry["source"], entry["note"]) == (
        "1.50",
        "manual",
        "replaced the seal",
    )
    assert entry["userId"] == str(acme.users["technician"].id)
    assert entry["workOrderId"] == work["id"]
    assert response.headers["etag"] == 'W/"1"'
    got = await client.get(f"{labor_url(work)}/{entry['id']}", headers=acme.headers("requester"))
    assert got.status_code == 404  # a requester sees only work they requested
    got = await client.get(f"{labor_url(work)}/{entry['id']}", headers=acme.headers("technician"))
    assert got.json() == entry


async def test_an_entry_from_hours_ends_now_or_counts_from_its_start(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme)
    ending_now = await log_time(client, acme, work, "technician", hours="2.25")
    assert ending_now["hours"] == "2.25"
    ended = datetime.fromisoformat(str(ending_now["endedAt"]))
    assert abs(ended - datetime.now(UTC)) < timedelta(minutes=1)
    from_start = await log_time(client, acme, work, "technician", hours="1", startedAt=_at(5))
    assert datetime.fromisoformat(str(from_start["endedAt"])) == NOW - timedelta(hours=4)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"startedAt": _at(1), "endedAt": _at(2)}, "endedAt", "not_after_start"),
        ({"startedAt": _at(1), "endedAt": _at(1)}, "endedAt", "not_after_start"),
        ({"startedAt": _at(1), "endedAt": _at(-1)}, "endedAt", "in_future"),
        ({"hours": "2", "startedAt": _at(1)}, "endedAt", "in_future"),
        ({"startedAt": _at(30), "endedAt": _at(5)}, "endedAt", "too_long"),
        ({"startedAt": _at(1)}, "endedAt", "missing"),
        ({}, "startedAt", "missing"),
        ({"hours": "1", "endedAt": _at(1)}, "hours", "conflicting"),
        ({"hours": "24.5"}, "hours", "less_than_equal"),
        ({"hours": "0"}, "hours", "greater_than"),
        ({"hours": "1", "userId": str(uuid4())}, "userId", "not_allowed"),
        ({"hours": "1", "craftId": str(uuid4())}, "craftId", "unknown"),
        ({"hours": "1", "started_at": _at(2)}, "started_at", "extra_forbidden"),
    ],
)
async def test_invalid_entries_are_refused_naming_the_field(
    client: httpx.AsyncClient, acme: Tenant, body: dict[str, object], field: str, code: str
) -> None:
    work = await assigned_work(client, acme)
    response = await client.post(labor_url(work), headers=acme.headers("technician"), json=body)
    assert response.status_code == 422, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["code"]) == (
        field,
        code,
    )
    listed = await client.get(labor_url(work), headers=acme.headers("technician"))
    assert listed.json()["items"] == []


async def test_supervisors_record_time_for_others(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned_work(client, acme)
    technician = str(acme.users["technician"].id)
    entry = await log_time(client, acme, work, "supervisor", hours="1", userId=technician)
    assert entry["userId"] == technician
    assert entry["createdBy"] == str(acme.users["supervisor"].id)
    unknown = await client.post(
        labor_url(work),
        headers=acme.headers("supervisor"),
        json={"hours": "1", "userId": str(uuid4())},
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "userId")


async def test_the_list_sums_per_person(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned_work(client, acme, "technician", "contractor")
    await log_time(client, acme, work, "technician", hours="1.5")
    await log_time(client, acme, work, "technician", startedAt=_at(6), endedAt=_at(5))
    await log_time(client, acme, work, "contractor", hours="0.25")
    timer = await client.post(
        "/api/v1/labor/timer/start",
        headers=acme.headers("contractor"),
        json={"workOrderId": work["id"]},
    )
    assert timer.status_code == 201
    listed = await client.get(f"{labor_url(work)}?limit=2", headers=acme.headers("technician"))
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert len(body["items"]) == 2
    assert body["items"][0]["startedAt"] <= body["items"][1]["startedAt"]
    rest = await client.get(
        f"{labor_url(work)}?limit=2&cursor={body['nextCursor']}", headers=acme.headers("technician")
    )
    assert len(rest.json()["items"]) == 2
    assert rest.json()["nextCursor"] is None
    people = {p["userId"]: p for p in body["people"]}
    technician = people[str(acme.users["technician"].id)]
    contractor = people[str(acme.users["contractor"].id)]
    assert (technician["entries"], technician["hours"], technician["running"]) == (2, "2.50", False)
    assert (contractor["entries"], contractor["hours"], contractor["running"]) == (1, "0.25", True)


async def test_own_entries_are_edited_by_their_person_and_by_supervisors(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme, "technician", "contractor")
    mine = await log_time(client, acme, work, "technician", hours="1", startedAt=_at(5))
    url = f"{labor_url(work)}/{mine['id']}"
    by_contractor = await client.patch(url, headers=acme.headers("contractor"), json={"note": "x"})
    assert (by_contractor.status_code, by_contractor.json()["code"]) == (403, "permission_denied")
    assert (await client.delete(url, headers=acme.headers("contractor"))).status_code == 403

    edited = await client.patch(
        url, headers={**acme.headers("technician"), "If-Match": 'W/"1"'}, json={"hours": "2"}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["hours"], edited.headers["etag"]) == ("2.00", 'W/"2"')
    stale = await client.patch(
        url, headers={**acme.headers("technician"), "If-Match": 'W/"1"'}, json={"note": "late"}
    )
    assert stale.status_code == 412
    by_supervisor = await client.patch(
        url, headers=acme.headers("supervisor"), json={"note": "checked", "startedAt": _at(4)}
    )
    assert by_supervisor.status_code == 200, by_supervisor.text
    assert by_supervisor.json()["note"] == "checked"
    assert by_supervisor.json()["hours"] == "1.00"  # a new start, the same end
    assert (await client.delete(url, headers=acme.headers("supervisor"))).status_code == 204
    assert (await client.get(url, headers=acme.headers("technician"))).status_code == 404
    assert (await client.delete(url, headers=acme.headers("technician"))).status_code == 404


async def test_edits_are_validated_like_entries(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned_work(client, acme)
    entry = await log_time(client, acme, work, "technician", startedAt=_at(3), endedAt=_at(2))
    url = f"{labor_url(work)}/{entry['id']}"
    headers = acme.headers("technician")
    for body, code in (
        ({"endedAt": _at(4)}, "not_after_start"),
        ({"startedAt": _at(30)}, "too_long"),
        ({"endedAt": _at(-1)}, "in_future"),
        ({"endedAt": None}, "null"),
    ):
        refused = await client.patch(url, headers=headers, json=body)
        assert (refused.status_code, refused.json()["errors"][0]["code"]) == (422, code), body
    timer = await client.post(
        "/api/v1/labor/timer/start", headers=headers, json={"workOrderId": work["id"]}
    )
    running = f"{labor_url(work)}/{timer.json()['id']}"
    stop_here = await client.patch(running, headers=headers, json={"hours": "1"})
    assert (stop_here.status_code, stop_here.json()["code"]) == (409, "invalid_state")
    earlier = await client.patch(running, headers=headers, json={"startedAt": _at(1)})
    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["endedAt"] is None


async def test_a_retried_create_with_the_same_key_records_once(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme)
    headers = {**acme.headers("technician"), "Idempotency-Key": "labor-1"}
    body = {"startedAt": _at(2), "endedAt": _at(1)}
    first = await client.post(labor_url(work), headers=headers, json=body)
    again = await client.post(labor_url(work), headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post(labor_url(work), headers=headers, json={"hours": "1"})
    assert other.status_code == 422
    listed = await client.get(labor_url(work), headers=acme.headers("technician"))
    assert len(listed.json()["items"]) == 1


async def test_technicians_reach_only_work_assigned_to_them(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    theirs = await assigned_work(client, acme, "contractor")
    entry = await log_time(client, acme, theirs, "contractor", hours="1")
    headers = acme.headers("technician")
    url = f"{labor_url(theirs)}/{entry['id']}"
    assert (await client.get(labor_url(theirs), headers=headers)).status_code == 404
    assert (
        await client.post(labor_url(theirs), headers=headers, json={"hours": "1"})
    ).status_code == 404
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.patch(url, headers=headers, json={"note": "n"})).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404


async def test_another_tenant_reaches_nothing(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await assigned_work(client, acme)
    entry = await log_time(client, acme, work, "technician", hours="1")
    url = f"{labor_url(work)}/{entry['id']}"
    headers = globex.headers("admin")
    assert (await client.get(labor_url(work), headers=headers)).status_code == 404
    assert (
        await client.post(labor_url(work), headers=headers, json={"hours": "1"})
    ).status_code == 404
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.patch(url, headers=headers, json={"note": "n"})).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    # Their own work order, our entry id: still nothing.
    own = await assigned_work(client, globex)
    assert (await client.get(f"{labor_url(own)}/{entry['id']}", headers=headers)).status_code == 404
    # Our user on their work order: not one of theirs.
    foreign = await client.post(
        labor_url(own),
        headers=headers,
        json={"hours": "1", "userId": str(acme.users["technician"].id)},
    )
    assert (foreign.status_code, foreign.json()["errors"][0]["field"]) == (422, "userId")
