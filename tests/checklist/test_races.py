"""Checklists under real concurrency: committed data, one connection per request."""

from __future__ import annotations

import asyncio

from tests.conftest import Committed
from tests.factories.work_order import URL


async def test_concurrent_adds_and_failures_stay_consistent(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="cl-race", roles=("admin", "technician"))
    admin = tenant.headers("admin")
    body = {"title": "Race", "assigneeIds": [str(tenant.users["technician"].id)]}
    created = await committed.client.post(URL, headers=admin, json=body)
    assert created.status_code == 201, created.text
    base = f"{URL}/{created.json()['id']}/checklists"
    item = {"label": "Pressure", "kind": "number", "maxValue": 5, "createFollowUp": True}
    added = await asyncio.gather(
        *(
            committed.client.post(base, headers=admin, json={"name": f"C{i}", "items": [item]})
            for i in range(8)
        )
    )
    assert [a.status_code for a in added] == [201] * 8, [a.text for a in added]
    assert sorted(a.json()["position"] for a in added) == list(range(8))
    checklist = added[0].json()
    result_url = f"{base}/{checklist['id']}/items/{checklist['items'][0]['id']}/result"
    failed = await asyncio.gather(
        *(
            committed.client.put(
                result_url, headers=tenant.headers("technician"), json={"value": 9 + i}
            )
            for i in range(6)
        )
    )
    assert [f.status_code for f in failed] == [200] * 6, [f.text for f in failed]
    follow_ups = {f.json()["followUpWorkOrderId"] for f in failed}
    assert len(follow_ups) == 1
    assert None not in follow_ups
    listed = (await committed.client.get(URL, headers=admin)).json()["items"]
    assert sum(w["parentWorkOrderId"] == created.json()["id"] for w in listed) == 1
