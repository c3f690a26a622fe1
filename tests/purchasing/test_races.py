"""Receipts under real concurrency: committed data, one connection per request."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.conftest import Committed
from tests.factories.inventory import (
    ORDERS,
    make_order,
    make_part,
    make_storeroom,
    make_vendor,
    stock_in,
    walk,
)

pytestmark = pytest.mark.smoke


async def test_two_deliveries_booked_at_once_cannot_over_receive(committed: Committed) -> None:
    tenant = await committed.make_tenant(
        label="po-race", roles=("admin", "manager", "inventory_clerk")
    )
    client = committed.client
    store = await make_storeroom(client, tenant, "ST-PO")
    part = await make_part(client, tenant, "PO-RACE")
    vendor = await make_vendor(client, tenant)
    order = await make_order(
        client, tenant, vendor, store, [{"partId": part["id"], "quantity": "10"}]
    )
    order = await walk(
        client,
        tenant,
        order,
        ("submitted", "inventory_clerk"),
        ("approved", "manager"),
        ("ordered", "inventory_clerk"),
    )
    body = {"lines": [{"lineId": order["lines"][0]["id"], "quantity": "6"}]}
    url = f"{ORDERS}/{order['id']}/receipts"
    answers = await asyncio.gather(
        *(client.post(url, headers=tenant.headers("inventory_clerk"), json=body) for _ in range(2))
    )
    assert Counter(a.status_code for a in answers) == {201: 1, 422: 1}, [a.text for a in answers]
    assert (await stock_in(client, tenant, part, store))["onHand"] == 6
