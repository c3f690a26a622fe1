"""/api/v1/work-orders/{id}/checklists: checklists and typed items, results (judged, meter
readings, follow-ups), signatures over the state, the completion guard, visibility, tenants."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from tests.factories.identity import Tenant
from tests.factories.work_order import URL, make_asset, make_work_order

SIGNED = (
    "id",
    "position",
    "label",
    "kind",
    "required",
    "minValue",
    "maxValue",
    "unit",
    "meterId",
    "status",
    "resultValue",
    "resultAttachmentId",
    "resultNote",
    "resultBy",
    "resultAt",
)


async def assigned_work(
    client: httpx.AsyncClient, tenant: Tenant, **body: object
) -> dict[str, Any]:
    """Work assigned to the technician, in progress."""
    technician = str(tenant.users["technician"].id)
    work = await make_work_order(client, tenant, assigneeIds=[technician], **body)
    moved = await client.post(
        f"{URL}/{work['id']}/transitions",
        headers=tenant.headers("technician"),
        json={"to": "in_progress"},
    )
    assert moved.status_code == 200, moved.text
    result: dict[str, Any] = moved.json()
    return result


async def add_checklist(
    client: httpx.AsyncClient,
    tenant: Tenant,
    work: dict[str, Any],
    items: list[dict[str, object]],
    *,
    role: str = "technician",
    name: str = "Checks",
) -> dict[str, Any]:
    response = await client.post(
        f"{URL}/{work['id']}/checklists",
        headers=tenant.headers(role),
        json={"name": name, "items": items},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def record(
    client: httpx.AsyncClient,
    tenant: Tenant,
    work: dict[str, Any],
    checklist: dict[str, Any],
    index: int,
    role: str = "technician",
    **body: object,
) -> httpx.Response:
    item = checklist["items"][index]
    return await client.put(
        f"{URL}/{work['id']}/checklists/{checklist['id']}/items/{item['id']}/result",
        headers=tenant.headers(role),
        json=body,
    )


async def make_meter(
    client: httpx.AsyncClient, tenant: Tenant, asset: dict[str, object], kind: str = "counter"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/meters",
        headers=tenant.headers("admin"),
        json={"assetId": asset["id"], "name": "Run hours", "unit": "h", "kind": kind},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_checklists_and_items_keep_their_order(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme)
    first = await add_checklist(client, acme, work, [{"label": "A", "kind": "text"}])
    second = await add_checklist(client, acme, work, [], name="Second")
    url = f"{URL}/{work['id']}/checklists/{first['id']}/items"
    more = [{"label": "B", "kind": "yes_no", "required": True}, {"label": "C", "kind": "photo"}]
    added = await client.post(url, headers=acme.headers("technician"), json={"items": more})
    assert added.status_code == 201, added.text
    assert [(i["label"], i["position"]) for i in added.json()["items"]] == [
        ("A", 0),
        ("B", 1),
        ("C", 2),
    ]
    listed = await client.get(f"{URL}/{work['id']}/checklists", headers=acme.headers("admin"))
    assert listed.status_code == 200
    assert [(c["name"], c["position"]) for c in listed.json()["items"]] == [
        ("Checks", 0),
        ("Second", 1),
    ]
    assert listed.json()["items"][1]["id"] == second["id"]
    assert listed.json()["items"][0]["items"][1]["required"] is True


async def test_item_definitions_are_validated(client: httpx.AsyncClient, acme: Tenant) -> None:
    asset = await make_asset(client, acme, "V-1")
    elsewhere = await make_meter(client, acme, await make_asset(client, acme, "V-2"))
    work = await assigned_work(client, acme, assetIds=[asset["id"]])
    url = f"{URL}/{work['id']}/checklists"
    headers = acme.headers("technician")
    bad = [
        {"label": "x", "kind": "colour"},
        {"label": "", "kind": "text"},
        {"label": "y", "kind": "number", "minValue": 5, "maxValue": 1},
    ]
    response = await client.post(url, headers=headers, json={"name": "c", "items": bad})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"items.0.kind", "items.1.label", "items.2"} <= fields
    # A meter not on one of the work order's assets.
    reading = {"label": "hours", "kind": "meter_reading", "meterId": elsewhere["id"]}
    response = await client.post(url, headers=headers, json={"name": "c", "items": [reading]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items[0].meterId"
    listed = await client.get(url, headers=headers)
    assert listed.json()["items"] == []


RESULTS = [
    # (definition, valid value, its status, out-of-range value or None, wrong-typed value)
    ({"kind": "pass_fail"}, "pass", "passed", "fail", "yes"),
    ({"kind": "yes_no"}, "no", "done", None, True),
    ({"kind": "text"}, "Looks fine", "done", None, 12),
    ({"kind": "number", "minValue": 1.5, "maxValue": 3, "unit": "bar"}, 2, "passed", 3.5, "2"),
    ({"kind": "number"}, -7.25, "passed", None, True),
]  # photos: tests/attachment/test_routes.py (they need a stored image)


@pytest.mark.parametrize(
    ("definition", "good", "status", "outside", "wrong"),
    RESULTS,
    ids=[f"{r[0]['kind']}-{i}" for i, r in enumerate(RESULTS)],
)
async def test_each_item_kind_is_judged(
    client: httpx.AsyncClient,
    acme: Tenant,
    definition: dict[str, object],
    good: object,
    status: str,
    outside: object,
    wrong: object,
) -> None:
    work = await assigned_work(client, acme)
    checklist = await add_checklist(client, acme, work, [{"label": "q", **definition}] * 2)
    refused = await record(client, acme, work, checklist, 0, value=wrong)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "value"
    recorded = await record(client, acme, work, checklist, 0, value=good, note="ok")
    assert recorded.status_code == 200, recorded.text
    item = recorded.json()
    assert (item["status"], item["resultNote"]) == (status, "ok")
    assert item["resultBy"] == str(acme.users["technician"].id)
    assert item["resultAt"] is not None
    assert item["resultValue"] == good
    if outside is not None:
        failed = await record(client, acme, work, checklist, 1, value=outside)
        assert failed.status_code == 200
        assert failed.json()["status"] == "failed"
        assert failed.json()["followUpWorkOrderId"] is None  # nobody asked for one


async def test_a_failure_creates_one_follow_up_when_asked(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "F-1")
    work = await assigned_work(client, acme, assetIds=[asset["id"]], priority="high")
    items: list[dict[str, object]] = [
        {"label": "Belt tension", "kind": "number", "maxValue": 10, "createFollowUp": True},
        {"label": "Noise", "kind": "pass_fail"},
        {"label": "Guard", "kind": "pass_fail"},
    ]
    checklist = await add_checklist(client, acme, work, items)
    automatic = await record(client, acme, work, checklist, 0, value=12)
    assert automatic.status_code == 200, automatic.text
    follow_up_id = automatic.json()["followUpWorkOrderId"]
    assert follow_up_id is not None
    follow_up = (await client.get(f"{URL}/{follow_up_id}", headers=acme.headers("admin"))).json()
    assert follow_up["parentWorkOrderId"] == work["id"]
    assert follow_up["assetIds"] == [asset["id"]]
    assert follow_up["priority"] == "high"
    assert follow_up["title"] == f"Follow-up of {work['number']}: Belt tension"
    # A second failure keeps the one follow-up.
    again = await record(client, acme, work, checklist, 0, value=13)
    assert again.json()["followUpWorkOrderId"] == follow_up_id
    # On request only; a pass asks for nothing.
    passed = await record(client, acme, work, checklist, 2, value="pass", createFollowUp=True)
    assert passed.json()["followUpWorkOrderId"] is None
    asked = await record(client, acme, work, checklist, 1, value="fail", createFollowUp=True)
    assert asked.json()["followUpWorkOrderId"] not in (None, follow_up_id)
    children = await client.get(URL, headers=acme.headers("admin"))
    parents = [w["parentWorkOrderId"] for w in children.json()["items"]]
    assert parents.count(work["id"]) == 2


async def test_a_meter_reading_goes_through_ingestion(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    asset = await make_asset(client, acme, "M-1")
    meter = await make_meter(client, acme, asset)
    work = await assigned_work(client, acme, assetIds=[asset["id"]])
    items: list[dict[str, object]] = [
        {"label": "Hours", "kind": "meter_reading", "meterId": meter["id"], "unit": "h"},
        {"label": "Hours again", "kind": "meter_reading"},
    ]
    checklist = await add_checklist(client, acme, work, items)
    recorded = await record(client, acme, work, checklist, 0, value=1200)
    assert recorded.status_code == 200, recorded.text
    assert (recorded.json()["status"], recorded.json()["resultValue"]) == ("done", 1200)
    readings_url = f"/api/v1/meters/{meter['id']}/readings"
    readings = (await client.get(readings_url, headers=acme.headers("admin"))).json()["items"]
    assert [(r["value"], r["source"]) for r in readings] == [(1200, "checklist")]
    # An item without a meter takes one of the work's assets' meters from the result.
    missing = await record(client, acme, work, checklist, 1, value=1300)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "meterId"
    # The ingestion rules refuse a counter running backwards, as a 422 on the value.
    backwards = await record(client, acme, work, checklist, 1, value=1000, meterId=meter["id"])
    assert backwards.status_code == 422, backwards.text
    assert backwards.json()["errors"][0]["field"] == "value"
    assert backwards.json()["errors"][0]["code"] == "counter_backwards"
    listed = await client.get(f"{URL}/{work['id']}/checklists", headers=acme.headers("admin"))
    assert listed.json()["items"][0]["items"][1]["status"] == "open"
    forward = await record(client, acme, work, checklist, 1, value=1300, meterId=meter["id"])
    assert forward.status_code == 200
    assert forward.json()["meterId"] == meter["id"]
    readings = (await client.get(readings_url, headers=acme.headers("admin"))).json()["items"]
    assert [r["value"] for r in readings] == [1300, 1200]


def _hash(checklist: dict[str, Any]) -> str:
    """The documented canonical state: id, name and the signed item fields, sorted keys, no
    whitespace, UTF-8."""
    state = {
        "id": checklist["id"],
        "name": checklist["name"],
        "items": [{key: item[key] for key in SIGNED} for item in checklist["items"]],
    }
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def test_signatures_hash_the_state_and_show_later_changes(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme)
    items: list[dict[str, object]] = [
        {"label": "Torque", "kind": "number", "unit": "Nm"},
        {"label": "Größe", "kind": "text"},
    ]
    checklist = await add_checklist(client, acme, work, items)
    assert (await record(client, acme, work, checklist, 0, value=42.5)).status_code == 200
    url = f"{URL}/{work['id']}/checklists/{checklist['id']}/signatures"
    signed = await client.post(
        url, headers=acme.headers("technician"), json={"meaning": "performed"}
    )
    assert signed.status_code == 201, signed.text
    listed = await client.get(f"{URL}/{work['id']}/checklists", headers=acme.headers("admin"))
    current = listed.json()["items"][0]
    assert signed.json()["stateHash"] == current["stateHash"] == _hash(current)
    assert signed.json()["signerId"] == str(acme.users["technician"].id)
    assert signed.json()["changedSince"] is False
    assert (await record(client, acme, work, checklist, 1, value="ok")).status_code == 200
    verified = await client.post(
        url, headers=acme.headers("supervisor"), json={"meaning": "verified"}
    )
    assert verified.status_code == 201
    signatures = (await client.get(url, headers=acme.headers("admin"))).json()["items"]
    assert [(s["meaning"], s["changedSince"]) for s in signatures] == [
        ("performed", True),
        ("verified", False),
    ]
    assert signatures[0]["stateHash"] != signatures[1]["stateHash"]
    bad = await client.post(url, headers=acme.headers("technician"), json={"meaning": "liked"})
    assert bad.status_code == 422


async def test_completion_waits_for_the_required_items(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme)
    await add_checklist(client, acme, work, [{"label": "optional", "kind": "text"}])
    items: list[dict[str, object]] = [
        {"label": "a", "kind": "yes_no", "required": True},
        {"label": "b", "kind": "text"},
        {"label": "c", "kind": "pass_fail", "required": True},
    ]
    second = await add_checklist(client, acme, work, items, name="Required")
    transitions = f"{URL}/{work['id']}/transitions"
    headers = acme.headers("technician")
    refused = await client.post(transitions, headers=headers, json={"to": "completed"})
    assert refused.status_code == 409, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [
        "checklists[1].items[0]",
        "checklists[1].items[2]",
    ]
    await record(client, acme, work, second, 0, value="yes")
    # A failed result is still a result.
    await record(client, acme, work, second, 2, value="fail")
    completed = await client.post(transitions, headers=headers, json={"to": "completed"})
    assert completed.status_code == 200, completed.text
    # Completed work is a record: no more results or checklists; signatures still.
    late = await record(client, acme, work, second, 1, value="late")
    assert late.status_code == 409
    url = f"{URL}/{work['id']}/checklists"
    more = await client.post(url, headers=headers, json={"name": "late", "items": []})
    assert more.status_code == 409
    sign = await client.post(
        f"{url}/{second['id']}/signatures",
        headers=acme.headers("supervisor"),
        json={"meaning": "verified"},
    )
    assert sign.status_code == 201


async def _every_endpoint(
    client: httpx.AsyncClient,
    tenant: Tenant,
    role: str,
    work: dict[str, Any],
    checklist: dict[str, Any],
) -> list[int]:
    base = f"{URL}/{work['id']}/checklists"
    item = checklist["items"][0]
    headers = tenant.headers(role)
    calls = [
        client.get(base, headers=headers),
        client.post(base, headers=headers, json={"name": "x", "items": []}),
        client.post(
            f"{base}/{checklist['id']}/items",
            headers=headers,
            json={"items": [{"label": "x", "kind": "text"}]},
        ),
        client.put(
            f"{base}/{checklist['id']}/items/{item['id']}/result",
            headers=headers,
            json={"value": "x"},
        ),
        client.get(f"{base}/{checklist['id']}/signatures", headers=headers),
        client.post(
            f"{base}/{checklist['id']}/signatures", headers=headers, json={"meaning": "performed"}
        ),
    ]
    return [(await call).status_code for call in calls]


async def test_unassigned_technicians_and_other_tenants_get_404(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    work = await make_work_order(client, acme)  # assigned to nobody
    checklist = await add_checklist(
        client, acme, work, [{"label": "q", "kind": "text"}], role="admin"
    )
    assert await _every_endpoint(client, acme, "technician", work, checklist) == [404] * 6
    assert await _every_endpoint(client, globex, "admin", work, checklist) == [404] * 6
    # The requester who filed it may read its checklists, not change them.
    requested = await make_work_order(client, acme, requesterId=str(acme.users["requester"].id))
    listed = await client.get(
        f"{URL}/{requested['id']}/checklists", headers=acme.headers("requester")
    )
    assert listed.status_code == 200
    # A checklist of another work order is not found under this one.
    other = await assigned_work(client, acme)
    wrong = await client.get(
        f"{URL}/{other['id']}/checklists/{checklist['id']}/signatures",
        headers=acme.headers("admin"),
    )
    assert wrong.status_code == 404
    assert (await record(client, acme, other, checklist, 0, value="x")).status_code == 404


async def test_an_assigned_technician_works_the_checklist(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    work = await assigned_work(client, acme)
    checklist = await add_checklist(
        client, acme, work, [{"label": "q", "kind": "text"}], role="supervisor"
    )
    assert await _every_endpoint(client, acme, "technician", work, checklist) == [
        200,
        201,
        201,
        200,
        200,
        201,
    ]
