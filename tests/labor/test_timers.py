"""Timers: start, stop, switch, one running per person, and the work order's completion or
cancellation stopping the timers running on it."""

from __future__ import annotations

import httpx

from tests.factories.identity import Tenant
from tests.factories.labor import TIMER, assigned_work, labor_url, read_work
from tests.factories.work_order import URL


async def _start(
    client: httpx.AsyncClient, tenant: Tenant, work: dict[str, object], **body: object
) -> httpx.Response:
    return await client.post(
        f"{TIMER}/start",
        headers=tenant.headers("technician"),
        json={"workOrderId": work["id"], **body},
    )


async def test_start_read_and_stop(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned_work(client, acme)
    headers = acme.headers("technician")
    assert (await client.get(TIMER, headers=headers)).status_code == 204
    started = await _start(client, acme, work, note="seal")
    assert started.status_code == 201, started.text
    timer = started.json()
    assert timer["endedAt"] is None
    assert timer["hours"] is None
    assert (timer["source"], timer["note"]) == ("timer", "seal")
    assert timer["userId"] == str(acme.users["technician"].id)
    running = await client.get(TIMER, headers=headers)
    assert running.status_code == 200
    assert running.json()["id"] == timer["id"]

    stopped = await client.post(f"{TIMER}/stop", headers=headers)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["id"] == timer["id"]
    assert stopped.json()["endedAt"] is not None
    assert stopped.json()["hours"] == "0.00"
    assert stopped.json()["updatedBy"] == str(acme.users["technician"].id)
    assert stopped.headers["etag"] == 'W/"2"'
    assert (await client.get(TIMER, headers=headers)).status_code == 204
    again = await client.post(f"{TIMER}/stop", headers=headers)
    assert (again.status_code, again.json()["errors"][0]["code"]) == (409, "not_running")


async def test_a_second_start_is_refused_naming_the_running_timer(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    first, second = await assigned_work(client, acme), await assigned_work(client, acme)
    timer = (await _start(client, acme, first)).json()
    for work in (second, first):
        refused = await _start(client, acme, work)
        assert refused.status_code == 409, refused.text
        assert refused.json()["runningTimer"]["id"] == timer["id"]
        assert refused.json()["runningTimer"]["workOrderId"] == first["id"]
    running = await client.get(TIMER, headers=acme.headers("technician"))
    assert running.json()["id"] == timer["id"]


async def test_switch_stops_the_running_timer_and_starts_the_new_one(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    first, second = await assigned_work(client, acme), await assigned_work(client, acme)
    old = (await _start(client, acme, first)).json()
    switched = await _start(client, acme, second, switch=True)
    assert switched.status_code == 201, switched.text
    new = switched.json()
    assert new["workOrderId"] == second["id"]
    listed = await client.get(labor_url(first), headers=acme.headers("technician"))
    [stopped] = listed.json()["items"]
    assert stopped["id"] == old["id"]
    assert stopped["endedAt"] == new["startedAt"]  # no gap, no overlap
    running = await client.get(TIMER, headers=acme.headers("technician"))
    assert running.json()["id"] == new["id"]


async def test_switch_with_nothing_running_just_starts(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme)
    assert (await _start(client, acme, work, switch=True)).status_code == 201


async def test_a_refused_switch_keeps_the_running_timer(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    mine, theirs = (
        await assigned_work(client, acme),
        await assigned_work(client, acme, "contractor"),
    )
    timer = (await _start(client, acme, mine)).json()
    refused = await _start(client, acme, theirs, switch=True)
    assert refused.status_code == 422, refused.text
    running = await client.get(TIMER, headers=acme.headers("technician"))
    assert running.json()["id"] == timer["id"]


async def test_technicians_time_only_work_assigned_to_them(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    other = await assigned_work(client, acme, "contractor")
    refused = await _start(client, acme, other)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0] == {
        "field": "workOrderId",
        "message": "No such work order, or not one you may work on.",
        "code": "unknown",
    }
    # Supervisors may work anything in their site, requesters nothing.
    as_supervisor = await client.post(
        f"{TIMER}/start", headers=acme.headers("supervisor"), json={"workOrderId": other["id"]}
    )
    assert as_supervisor.status_code == 201, as_supervisor.text
    as_requester = await client.post(
        f"{TIMER}/start", headers=acme.headers("requester"), json={"workOrderId": other["id"]}
    )
    assert as_requester.status_code == 403


async def test_no_timer_on_finished_work(client: httpx.AsyncClient, acme: Tenant) -> None:
    work = await assigned_work(client, acme)
    cancelled = await client.post(
        f"{URL}/{work['id']}/transitions",
        headers=acme.headers("manager"),
        json={"to": "cancelled", "reason": "duplicate"},
    )
    assert cancelled.status_code == 200, cancelled.text
    refused = await _start(client, acme, work)
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_state")


async def test_completing_or_cancelling_stops_timers_running_on_it(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    done = await assigned_work(client, acme, "technician", "supervisor")
    other = await assigned_work(client, acme, "contractor")
    technician = acme.headers("technician")
    await _start(client, acme, done)
    theirs = await client.post(
        f"{TIMER}/start", headers=acme.headers("contractor"), json={"workOrderId": other["id"]}
    )
    assert theirs.status_code == 201
    for target in ("in_progress", "completed"):
        moved = await client.post(
            f"{URL}/{done['id']}/transitions", headers=technician, json={"to": target}
        )
        assert moved.status_code == 200, moved.text
    assert (await client.get(TIMER, headers=technician)).status_code == 204
    # Another work order's timer runs on.
    assert (await client.get(TIMER, headers=acme.headers("contractor"))).status_code == 200
    [entry] = (await client.get(labor_url(done), headers=technician)).json()["items"]
    assert entry["endedAt"] is not None
    assert (await read_work(client, acme, done)).json()["actualHours"] == entry["hours"]

    cancelled = await client.post(
        f"{URL}/{other['id']}/transitions",
        headers=acme.headers("manager"),
        json={"to": "cancelled", "reason": "not needed"},
    )
    assert cancelled.status_code == 200
    assert (await client.get(TIMER, headers=acme.headers("contractor"))).status_code == 204


async def test_timers_of_another_tenant_are_out_of_reach(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    theirs = await assigned_work(client, globex)
    refused = await _start(client, acme, theirs)
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "workOrderId")
    started = await _start(client, globex, theirs)
    assert started.status_code == 201
    # Their running timer is not ours: nothing runs, nothing to stop.
    assert (await client.get(TIMER, headers=acme.headers("technician"))).status_code == 204
    stop = await client.post(f"{TIMER}/stop", headers=acme.headers("technician"))
    assert stop.status_code == 409
    assert (await client.get(TIMER, headers=globex.headers("technician"))).status_code == 200
