"""/api/v1/requests: filed by requesters, decided by supervisors and above."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx

from tests.conftest import Committed
from tests.factories.identity import Tenant
from tests.factories.work_order import make_asset

URL = "/api/v1/requests"


async def file(
    client: httpx.AsyncClient, tenant: Tenant, *, role: str = "requester", **body: object
) -> dict[str, object]:
    fields = {"title": "Door sticks", "locationId": str(tenant.north_area.id), **body}
    response = await client.post(URL, headers=tenant.headers(role), json=fields)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_a_requester_files_and_sees_only_their_own(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    mine = await file(client, acme, description="It scrapes the floor.", priority="high")
    assert mine["status"] == "submitted"
    assert mine["requesterId"] == str(acme.users["requester"].id)
    assert mine["siteId"] == str(acme.north.id)
    assert (mine["priority"], mine["description"]) == ("high", "It scrapes the floor.")
    other = await file(client, acme, role="technician")
    listed = await client.get(URL, headers=acme.headers("requester"))
    assert [item["id"] for item in listed.json()["items"]] == [mine["id"]]
    hidden = await client.get(f"{URL}/{other['id']}", headers=acme.headers("requester"))
    assert hidden.status_code == 404
    got = await client.get(f"{URL}/{mine['id']}", headers=acme.headers("requester"))
    assert got.json() == mine
    assert got.headers["etag"] == 'W/"1"'


async def test_supervisors_see_their_sites_requests_and_managers_all(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    north = await file(client, acme)
    south = await file(client, acme, locationId=str(acme.south.id))
    supervisor = await client.get(URL, headers=acme.headers("supervisor"))
    assert [item["id"] for item in supervisor.json()["items"]] == [north["id"]]
    outside = await client.get(f"{URL}/{south['id']}", headers=acme.headers("supervisor"))
    assert outside.status_code == 404
    manager = await client.get(URL, headers=acme.headers("manager"))
    assert [item["id"] for item in manager.json()["items"]] == [south["id"], north["id"]]
    submitted = await client.get(
        URL, headers=acme.headers("manager"), params={"status": ["approved"]}
    )
    assert submitted.json()["items"] == []


async def test_a_request_names_a_place_that_exists(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    nowhere = await client.post(URL, headers=acme.headers("requester"), json={"title": "t"})
    assert nowhere.status_code == 422
    foreign = await make_asset(client, globex, "G-1")
    refused = await client.post(
        URL, headers=acme.headers("requester"), json={"title": "t", "assetId": foreign["id"]}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "assetId"


async def test_approval_creates_the_linked_work_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "P-7")
    request = await file(
        client, acme, assetId=asset["id"], description="Loud bearing.", priority="high"
    )
    approved = await client.post(
        f"{URL}/{request['id']}/approve",
        headers={**acme.headers("supervisor"), "If-Match": 'W/"1"'},
        json={"type": "corrective", "dueAt": "2030-01-01T00:00:00Z"},
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved"
    assert body["decidedBy"] == str(acme.users["supervisor"].id)
    assert body["decidedAt"] is not None
    assert approved.headers["etag"] == 'W/"2"'
    work = await client.get(
        f"/api/v1/work-orders/{body['workOrderId']}", headers=acme.headers("requester")
    )
    assert work.status_code == 200, work.text  # the requester follows their work order
    order = work.json()
    assert (order["title"], order["description"]) == ("Door sticks", "Loud bearing.")
    assert (order["priority"], order["status"], order["dueAt"]) == (
        "high",
        "new",
        "2030-01-01T00:00:00Z",
    )
    assert order["assetIds"] == [asset["id"]]
    assert order["requesterId"] == str(acme.users["requester"].id)
    back = await client.get(
        URL, headers=acme.headers("manager"), params={"workOrderId": order["id"]}
    )
    assert [item["id"] for item in back.json()["items"]] == [request["id"]]


async def test_rejection_needs_a_reason_and_the_requester_sees_it(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    request = await file(client, acme)
    path = f"{URL}/{request['id']}/reject"
    for body in ({}, {"reason": "  "}):
        missing = await client.post(path, headers=acme.headers("supervisor"), json=body)
        assert missing.status_code == 422, body
    rejected = await client.post(
        path, headers=acme.headers("supervisor"), json={"reason": "Works as designed."}
    )
    assert rejected.status_code == 200, rejected.text
    seen = (await client.get(f"{URL}/{request['id']}", headers=acme.headers("requester"))).json()
    assert (seen["status"], seen["rejectionReason"]) == ("rejected", "Works as designed.")
    assert seen["workOrderId"] is None


async def test_a_decided_request_cannot_be_decided_again(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    request = await file(client, acme)
    path = f"{URL}/{request['id']}"
    first = await client.post(f"{path}/approve", headers=acme.headers("manager"))
    assert first.status_code == 200, first.text
    again = await client.post(f"{path}/approve", headers=acme.headers("manager"))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"
    reject = await client.post(
        f"{path}/reject", headers=acme.headers("manager"), json={"reason": "late"}
    )
    assert reject.status_code == 409
    work = await client.get("/api/v1/work-orders", headers=acme.headers("admin"))
    assert len(work.json()["items"]) == 1


async def test_a_stale_if_match_is_412(client: httpx.AsyncClient, acme: Tenant) -> None:
    request = await file(client, acme)
    stale = await client.post(
        f"{URL}/{request['id']}/reject",
        headers={**acme.headers("supervisor"), "If-Match": 'W/"7"'},
        json={"reason": "r"},
    )
    assert stale.status_code == 412
    still = await client.get(f"{URL}/{request['id']}", headers=acme.headers("supervisor"))
    assert still.json()["status"] == "submitted"


async def test_requesters_and_technicians_cannot_decide(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    request = await file(client, acme)
    for role in ("requester", "technician"):
        refused = await client.post(f"{URL}/{request['id']}/approve", headers=acme.headers(role))
        assert refused.status_code == 403, role


async def test_a_create_retried_with_its_key_files_once(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = {**acme.headers("requester"), "Idempotency-Key": "req-1"}
    body = {"title": "Leak", "locationId": str(acme.north_area.id)}
    first = await client.post(URL, headers=headers, json=body)
    second = await client.post(URL, headers=headers, json=body)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    listed = await client.get(URL, headers=acme.headers("requester"))
    assert len(listed.json()["items"]) == 1


async def test_another_tenant_sees_404_everywhere(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    request = await file(client, acme)
    path = f"{URL}/{request['id']}"
    admin = globex.headers("admin")
    assert (await client.get(path, headers=admin)).status_code == 404
    assert (await client.post(f"{path}/approve", headers=admin)).status_code == 404
    rejected = await client.post(f"{path}/reject", headers=admin, json={"reason": "r"})
    assert rejected.status_code == 404
    assert (await client.get(URL, headers=admin)).json()["items"] == []
    assert (await client.get(f"{URL}/{uuid4()}", headers=acme.headers("admin"))).status_code == 404


async def test_concurrent_approvals_make_one_work_order(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="approve", roles=("requester", "manager"))
    http = committed.client
    request = await file(http, tenant)
    answers = await asyncio.gather(
        *(
            http.post(f"{URL}/{request['id']}/approve", headers=tenant.headers("manager"))
            for _ in range(5)
        )
    )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200, 409, 409, 409, 409], [a.text for a in answers]
    work = await http.get("/api/v1/work-orders", headers=tenant.headers("manager"))
    assert len(work.json()["items"]) == 1
