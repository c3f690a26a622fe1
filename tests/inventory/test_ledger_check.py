"""The daily ledger check finds no difference on what the API wrote, and reports a balance
changed behind the ledger's back."""

from __future__ import annotations

from sqlalchemy import text

from maintainpro.core.db import Database, transaction
from maintainpro.inventory.tasks import check_ledger
from tests.conftest import Committed
from tests.factories.inventory import make_part, make_storeroom, move, receive


async def test_the_check_finds_only_a_balance_changed_outside_the_ledger(
    committed: Committed, database: Database, maint_database: Database
) -> None:
    tenant = await committed.make_tenant(label="ledger", roles=("admin", "inventory_clerk"))
    client = committed.client
    store = await make_storeroom(client, tenant, "ST-L")
    part = await make_part(client, tenant, "L-1")
    await receive(client, tenant, part, store, "8")
    await move(client, tenant, part, store, "adjustment", "-3", reason="damaged")
    assert await check_ledger(database) == 0
    async with transaction(maint_database.sessions) as session:
        await session.execute(
            text("UPDATE parts_inventory SET on_hand = on_hand + 1 WHERE part_id = :p"),
            {"p": part["id"]},
        )
    assert await check_ledger(database) == 1
