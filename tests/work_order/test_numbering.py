"""Work order numbers come from a sequence per organization that only the definer function
`app.take_numbers` reaches, for the caller's tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.factories.identity import Tenant


async def test_the_app_role_cannot_reach_a_sequence_directly(
    conn: AsyncConnection, acme: Tenant
) -> None:
    name = f"numbering.work_order_{acme.organization_id.hex}"
    with pytest.raises(DBAPIError, match="permission denied for schema numbering"):
        async with conn.begin_nested():
            await conn.execute(text("SELECT nextval(CAST(:s AS regclass))"), {"s": name})


async def test_numbers_are_taken_for_the_tenant_set(
    conn: AsyncConnection, acme: Tenant, globex: Tenant
) -> None:
    take = text("SELECT last_number FROM app.take_numbers('work_order', :n)")
    for tenant in (acme, globex):
        await conn.execute(
            text("SELECT set_config('app.organization_id', :o, true)"),
            {"o": str(tenant.organization_id)},
        )
        assert await conn.scalar(take, {"n": 3}) == 3
    assert await conn.scalar(take, {"n": 1}) == 4  # globex's fourth, acme's untouched
