"""Stock under real concurrency: committed data, one connection per request."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import pytest

from tests.conftest import Committed
from tests.factories.inventory import (
    ledger_total,
    lines_url,
    make_part,
    make_storeroom,
    receive,
    stock_in,
)
from tests.factories.labor import assigned_work

pytestmark = pytest.mark.smoke


async def test_two_hundred_concurrent_issues_of_a_stock_of_one_hundred_fifty(
    committed: Committed,
) -> None:
    roles = ("admin", "technician", "inventory_clerk")
    tenant = await committed.make_tenant(label="stock-race", roles=roles)
    client = committed.client
    store = await make_storeroom(client, tenant, "ST-RACE")
    part = await make_part(client, tenant, "RACE-1")
    await receive(client, tenant, part, store, "150", "2")
    work = await assigned_work(client, tenant)
    body = {"partId": part["id"], "storeroomId": store, "quantity": "1", "planned": False}
    answers = await asyncio.gather(
        *(
            client.post(lines_url(work), headers=tenant.headers("technician"), json=body)
            for _ in range(200)
        )
    )
    codes = Counter(answer.status_code for answer in answers)
    assert codes == {201: 150, 409: 50}, [
        a.text for a in answers if a.status_code not in (201, 409)
    ]
    refused = next(answer for answer in answers if answer.status_code == 409).json()
    assert refused["errors"][0]["code"] == "insufficient_stock"
    stock = await stock_in(client, tenant, part, store)
    assert (stock["onHand"], stock["reserved"]) == (0, 0)
    assert await ledger_total(client, tenant, part, store) == 0
    lines = (await client.get(lines_url(work), headers=tenant.headers("admin"))).json()
    assert len(lines["items"]) == 150
    assert Decimal(lines["partsCost"]) == 300
