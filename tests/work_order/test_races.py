"""Work orders under real concurrency: committed data, one connection per request."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.conftest import Committed
from tests.factories.work_order import URL

# On the embedded PostgreSQL too (scripts/test runs the smoke suite there).
pytestmark = pytest.mark.smoke


async def test_fifty_identical_transitions_move_the_work_order_once(
    committed: Committed,
) -> None:
    tenant = await committed.make_tenant(label="wo-race", roles=("admin", "technician"))
    admin = tenant.headers("admin")
    body = {"title": "Race", "assigneeIds": [str(tenant.users["technician"].id)]}
    created = await committed.client.post(URL, headers=admin, json=body)
    assert created.status_code == 201, created.text
    work_id = created.json()["id"]
    answers = await asyncio.gather(
        *(
            committed.client.post(
                f"{URL}/{work_id}/transitions",
                headers=tenant.headers("technician"),
                json={"to": "in_progress"},
            )
            for _ in range(50)
        )
    )
    codes = Counter(answer.status_code for answer in answers)
    assert codes[200] == 1, [a.text for a in answers if a.status_code not in (200, 409, 412)]
    assert set(codes) <= {200, 409, 412}
    history = await committed.client.get(f"{URL}/{work_id}/history", headers=admin)
    moves = [item["toStatus"] for item in history.json()["items"]]
    assert moves == ["in_progress", "assigned"]


async def test_twenty_concurrent_creates_get_twenty_numbers(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="wo-numbers", roles=("admin",))
    answers = await asyncio.gather(
        *(
            committed.client.post(URL, headers=tenant.headers("admin"), json={"title": f"W{i}"})
            for i in range(20)
        )
    )
    assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers]
    numbers = {answer.json()["number"] for answer in answers}
    assert numbers == {f"WO-{n:06d}" for n in range(1, 21)}  # a new tenant's sequence, no gap


async def test_a_key_sent_concurrently_creates_once(committed: Committed) -> None:
    tenant = await committed.make_tenant(label="wo-idem", roles=("admin",))
    headers = {**tenant.headers("admin"), "Idempotency-Key": "same-key"}
    answers = await asyncio.gather(
        *(committed.client.post(URL, headers=headers, json={"title": "Once"}) for _ in range(8))
    )
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    ids = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(ids) == 1
    listed = await committed.client.get(URL, headers=tenant.headers("admin"))
    assert [item["id"] for item in listed.json()["items"]] == list(ids)
    replay = await committed.client.post(URL, headers=headers, json={"title": "Once"})
    assert replay.status_code == 201
    assert replay.json()["id"] in ids
