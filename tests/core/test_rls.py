"""Tenant isolation proved in SQL, as the application role (D3, D5)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from maintainpro.core import context
from tests.factories.organization import make_location, make_organization, new_site

# Tables without tenant data: reference data and pre-login throttling state keyed by digests.
NON_TENANT_TABLES = ("grantable_roles", "auth_throttles", "rate_limit_windows")
EXCLUDED = (
    "('alembic_version', 'spatial_ref_sys', " + ", ".join(f"'{t}'" for t in NON_TENANT_TABLES) + ")"
)

TABLES = text(
    """
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid
                   AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app.current_org()%'
                   AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%app.current_org()%')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname NOT LIKE 'procrastinate%' AND c.relname NOT IN """
    + EXCLUDED
    + """
    ORDER BY 1
    """
)


async def _set_tenant(conn: AsyncConnection, org: object) -> None:
    await conn.execute(
        text("SELECT set_config('app.organization_id', :org, true)"), {"org": str(org or "")}
    )


async def test_every_table_has_forced_rls_and_a_tenant_policy(conn: AsyncConnection) -> None:
    rows = (await conn.execute(TABLES)).all()
    assert {r[0] for r in rows} >= {"organizations", "locations", "activity_logs", "outbox"}
    missing = [
        name for name, enabled, forced, policy in rows if not (enabled and forced and policy)
    ]
    assert missing == []


async def test_every_tenant_table_carries_organization_id(conn: AsyncConnection) -> None:
    rows = await conn.execute(
        text(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND c.relname NOT LIKE 'procrastinate%' AND c.relname <> 'organizations'
              AND c.relname NOT IN """
            + EXCLUDED
            + """
              AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                              AND a.attname = 'organization_id' AND a.attnotnull)
            """
        )
    )
    assert rows.all() == []


async def test_no_partition_carries_any_privilege(conn: AsyncConnection) -> None:
    rows = await conn.execute(
        text(
            """
            SELECT c.relname, c.relacl::text
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p')
            """
        )
    )
    partitions = rows.all()
    assert partitions, "activity_logs must have partitions"
    granted = [(name, acl) for name, acl in partitions if acl is not None]
    assert granted == []


async def test_app_role_cannot_read_a_partition_directly(conn: AsyncConnection) -> None:
    name = await conn.scalar(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE c.relkind = 'r' ORDER BY 1 LIMIT 1"  # partitioned indexes are inherited too
        )
    )
    with pytest.raises(DBAPIError, match="permission denied"):
        await conn.execute(text(f'SELECT count(*) FROM "{name}"'))


async def test_without_a_tenant_the_app_role_reads_nothing(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    org = await make_organization(sessions)
    await make_location(sessions, org.id)
    await _set_tenant(conn, org.id)
    visible = await _counts(conn)
    assert visible["organizations"] == 1
    assert visible["locations"] == 1
    assert visible["activity_logs"] == 2
    await _set_tenant(conn, None)
    assert set((await _counts(conn)).values()) == {0}


async def _counts(conn: AsyncConnection) -> dict[str, int]:
    names = [row[0] for row in (await conn.execute(TABLES)).all()]
    return {
        name: int(await conn.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0) for name in names
    }


async def test_another_tenant_sees_nothing_of_the_first(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await make_organization(sessions, name="First")
    await make_location(sessions, first.id)
    second = await make_organization(sessions, name="Second")
    await _set_tenant(conn, second.id)
    rows = await conn.execute(text("SELECT organization_id FROM locations"))
    assert rows.all() == []
    orgs = (await conn.execute(text("SELECT id FROM organizations"))).scalars().all()
    assert orgs == [second.id]


async def test_writing_into_another_tenant_is_refused(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await make_organization(sessions)
    second = await make_organization(sessions)
    with context.scoped(organization_id=second.id):
        async with sessions() as session:
            session.add(new_site(first.id, "X"))
            with pytest.raises(DBAPIError, match="row-level security"):
                await session.flush()


async def test_update_cannot_move_a_row_to_another_tenant(
    conn: AsyncConnection, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await make_organization(sessions)
    second = await make_organization(sessions)
    await make_location(sessions, first.id)
    await _set_tenant(conn, first.id)
    with pytest.raises(DBAPIError, match="row-level security"):
        await conn.execute(
            text("UPDATE locations SET organization_id = :other"), {"other": second.id}
        )


async def test_a_reference_can_never_point_into_another_tenant(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Two-column foreign keys: even a role that bypasses RLS cannot cross tenants."""
    first = await make_organization(sessions)
    second = await make_organization(sessions)
    foreign_parent = await make_location(sessions, second.id, code="THEIRS")
    own_site = await make_location(sessions, first.id, code="MINE")
    with pytest.raises(IntegrityError, match="fk_locations_organization_id_parent_id_locations"):
        await make_location(
            sessions,
            first.id,
            code="AREA",
            kind="area",
            parent_id=foreign_parent.id,
            site_id=own_site.id,
        )


async def test_a_stale_empty_tenant_setting_reads_as_no_tenant(conn: AsyncConnection) -> None:
    """After a transaction a pooled connection holds '' (D2): no cast error, just no rows."""
    await _set_tenant(conn, None)
    assert await conn.scalar(text("SELECT app.current_org()")) is None
    assert await conn.scalar(text("SELECT count(*) FROM locations")) == 0


# SECURITY DEFINER functions that legitimately work across tenants (D4) and return only ids or
# create partitions or an organization's own sequences (the trigger on the organization row it
# fires for); every other one must filter by app.current_org() itself (D3).
CROSS_TENANT_FUNCTIONS = {
    "number_sequences",
    "organizations_with_pending_outbox",
    "ensure_monthly_partitions",
    "ensure_partition_for",
    "auth_resolve_login",
    "organizations_with_expired_credentials",
    "ensure_quarterly_partitions",
    "prune_idempotency_keys",
    "organizations_with_stock",
    "organizations_with_due_pm",
    "organizations_to_escalate",
}


async def test_definer_functions_filter_by_tenant_or_are_declared(conn: AsyncConnection) -> None:
    rows = await conn.execute(
        text(
            "SELECT p.proname, p.prosrc, p.proconfig FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'app' AND p.prosecdef"
        )
    )
    for name, source, config in rows:
        assert "search_path=pg_catalog, public, pg_temp" in (config or []), name
        assert name in CROSS_TENANT_FUNCTIONS or "app.current_org()" in source, name


async def test_definer_functions_are_not_executable_by_public(conn: AsyncConnection) -> None:
    rows = await conn.execute(
        text(
            """
            SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE')
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'app' AND p.prosecdef
            """
        )
    )
    found = dict(rows.all())
    assert "organizations_with_pending_outbox" in found
    assert not any(found.values())


async def test_the_app_role_can_neither_bypass_nor_own(conn: AsyncConnection) -> None:
    role = (
        await conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        )
    ).one()
    assert tuple(role) == (False, False)
    owned = await conn.scalar(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('public', 'app') AND pg_has_role(c.relowner, 'USAGE')"
        )
    )
    assert owned == 0


async def test_only_the_maintenance_role_may_turn_triggers_off(conn: AsyncConnection) -> None:
    """Audit, roll-ups and foreign-key checks are triggers: the application role cannot skip
    them, nor run the archiver that moves rows with them off."""
    with pytest.raises(DBAPIError, match="permission denied"):
        async with conn.begin_nested():
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
    with pytest.raises(DBAPIError, match="permission denied"):
        async with conn.begin_nested():
            await conn.execute(text("SELECT app.archive_work_order_partition('work_orders')"))


async def test_non_tenant_tables_hold_no_tenant_keys(conn: AsyncConnection) -> None:
    rows = await conn.execute(
        text(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relname = ANY(:tables) AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        {"tables": list(NON_TENANT_TABLES)},
    )
    columns = rows.all()
    assert {table for table, _ in columns} == set(NON_TENANT_TABLES)
    assert not [c for c in columns if c[1] in {"organization_id", "user_id", "email"}]
