from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from uuid_utils.compat import uuid7

from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.models import Location, Organization
from maintainpro.organization import service as organization_service
from tests.factories.organization import new_site

# pg_class, which every role reads (the numbering schema itself is the definers' only).
SEQUENCE = text(
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'numbering'"
    " AND c.relname IN (SELECT kind || '_' || replace(CAST(CAST(:o AS uuid) AS text), '-', '')"
    " FROM unnest(ARRAY['work_order', 'purchase_order']) AS kind)"
)


async def test_purge_removes_the_tenant_and_its_trail(
    database: Database, maint_database: Database
) -> None:
    org_id = uuid7()
    with context.scoped(organization_id=org_id):
        async with transaction(database.sessions) as session:
            session.add(Organization(id=org_id, name="Gone", slug=f"gone-{org_id.hex[-10:]}"))
            await session.flush()
            parent = new_site(org_id, "P")
            session.add(parent)
            await session.flush()
            session.add(
                Location(
                    organization_id=org_id,
                    code="C",
                    name="c",
                    kind="area",
                    parent_id=parent.id,
                    site_id=parent.id,
                )
            )
        async with transaction(database.sessions) as session:
            assert await session.scalar(SEQUENCE, {"o": org_id}) == 2  # one per numbered kind
            with pytest.raises(DBAPIError, match="permission denied"):
                await organization_service.purge(session, org_id)
    async with transaction(maint_database.sessions) as session:
        assert await organization_service.purge(session, org_id) is True
    async with transaction(maint_database.sessions) as session:
        for table in ("organizations", "locations", "activity_logs", "outbox"):
            column = "id" if table == "organizations" else "organization_id"
            left = await session.scalar(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :o"), {"o": org_id}
            )
            assert (table, left) == (table, 0)
        assert await session.scalar(SEQUENCE, {"o": org_id}) == 0
        assert await organization_service.purge(session, org_id) is False
