"""A remembered principal is confirmed by the database on every request (revision 0029).

Each test first makes a request that leaves the caller remembered by this process, as every
worker remembers its callers; then it changes the caller as another worker (or an admin, or
the database) would, on its own committed transaction, and the very next request must see it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import Executable, delete, func, insert, text, update
from sqlalchemy.exc import DBAPIError

from maintainpro.auth import principal
from maintainpro.auth.principal import from_access_token
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import transaction
from maintainpro.core.transient import sqlstate
from maintainpro.models import ApiKey, User, UserSession, UserSite
from tests.conftest import Committed
from tests.factories.identity import Tenant, make_api_key
from tests.factories.statements import statements

Change = Callable[[Tenant], Executable]
PAST = datetime.now(UTC) - timedelta(seconds=1)


def _tech(tenant: Tenant) -> User:
    return tenant.users["technician"]


async def _commit(committed: Committed, tenant: Tenant, statement: Executable) -> None:
    with context.scoped(organization_id=tenant.organization_id):
        async with transaction(committed.database.sessions) as session:
            await session.execute(statement)


async def _asset_at(committed: Committed, tenant: Tenant, site: str) -> str:
    location = tenant.north if site == "north" else tenant.south
    created = await committed.client.post(
        "/api/v1/assets",
        headers=tenant.headers("admin"),
        json={"code": f"A-{site}", "name": "Pump", "locationId": str(location.id)},
    )
    assert created.status_code == 201, created.text
    return f"/api/v1/assets/{created.json()['id']}"


def _remembered_sessions(tenant: Tenant) -> int:
    return sum(key[0] == tenant.organization_id for key in principal._SESSIONS)


def _role_raised(t: Tenant) -> Executable:
    return update(User).where(User.id == _tech(t).id).values(role="manager")


def _south_added(t: Tenant) -> Executable:
    return insert(UserSite).values(
        organization_id=t.organization_id, user_id=_tech(t).id, location_id=t.south.id
    )


def _sites_removed(t: Tenant) -> Executable:
    return delete(UserSite).where(UserSite.user_id == _tech(t).id)


def _deactivated(t: Tenant) -> Executable:
    return update(User).where(User.id == _tech(t).id).values(is_active=False)


def _deleted(t: Tenant) -> Executable:
    return update(User).where(User.id == _tech(t).id).values(deleted_at=func.now())


SESSION_CHANGES: dict[str, tuple[Change, str, int]] = {
    # name: (change, the asset read afterwards, its status)
    "role raised": (_role_raised, "south", 200),
    "site added": (_south_added, "south", 200),
    "site removed": (_sites_removed, "north", 404),
    "session revoked": (
        lambda t: (
            update(UserSession)
            .where(UserSession.user_id == _tech(t).id)
            .values(revoked_at=func.now())
        ),
        "north",
        401,
    ),
    "session expired": (
        lambda t: (
            update(UserSession).where(UserSession.user_id == _tech(t).id).values(expires_at=PAST)
        ),
        "north",
        401,
    ),
    "deactivated": (_deactivated, "north", 401),
    "deleted": (_deleted, "north", 401),
}


@pytest.mark.parametrize("name", SESSION_CHANGES)
async def test_a_remembered_session_sees_each_change_on_the_next_request(
    committed: Committed, name: str
) -> None:
    change, site, expected = SESSION_CHANGES[name]
    tenant = await committed.make_tenant()
    headers = tenant.headers("technician")
    north, south = (
        await _asset_at(committed, tenant, "north"),
        await _asset_at(committed, tenant, "south"),
    )
    assert (await committed.client.get(north, headers=headers)).status_code == 200
    assert (await committed.client.get(south, headers=headers)).status_code == 404
    assert _remembered_sessions(tenant) == 2  # the admin's and the technician's
    await _commit(committed, tenant, change(tenant))
    answer = await committed.client.get(north if site == "north" else south, headers=headers)
    assert answer.status_code == expected, answer.text


async def test_logout_ends_the_session_for_a_process_that_remembers_it(
    committed: Committed,
) -> None:
    tenant = await committed.make_tenant()
    headers = tenant.headers("technician")
    north = await _asset_at(committed, tenant, "north")
    assert (await committed.client.get(north, headers=headers)).status_code == 200
    assert (await committed.client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    answer = await committed.client.get(north, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


KEY_CHANGES: dict[str, tuple[Change, str, int]] = {
    # name: (change, what is read afterwards, its status)
    "revoked": (
        lambda t: update(ApiKey).where(ApiKey.user_id == _tech(t).id).values(revoked_at=func.now()),
        "north",
        401,
    ),
    "expired": (
        lambda t: update(ApiKey).where(ApiKey.user_id == _tech(t).id).values(expires_at=PAST),
        "north",
        401,
    ),
    "scope withdrawn": (
        lambda t: update(ApiKey).where(ApiKey.user_id == _tech(t).id).values(scopes=["part:read"]),
        "north",
        403,
    ),
    "scope widened": (
        lambda t: (
            update(ApiKey)
            .where(ApiKey.user_id == _tech(t).id)
            .values(scopes=["asset:read", "part:read"])
        ),
        "parts",
        200,
    ),
    "owner deactivated": (_deactivated, "north", 401),
    "owner deleted": (_deleted, "north", 401),
    "owner's role raised": (_role_raised, "south", 200),
    "owner's site added": (_south_added, "south", 200),
    "owner's site removed": (_sites_removed, "north", 404),
}


@pytest.mark.parametrize("name", KEY_CHANGES)
async def test_a_remembered_key_sees_each_change_on_the_next_request(
    committed: Committed, name: str
) -> None:
    change, target, expected = KEY_CHANGES[name]
    tenant = await committed.make_tenant()
    paths = {
        "north": await _asset_at(committed, tenant, "north"),
        "south": await _asset_at(committed, tenant, "south"),
        "parts": "/api/v1/parts",
    }
    key = await make_api_key(committed.database.sessions, _tech(tenant), ["asset:read"])
    headers = {"authorization": f"Bearer {key}"}
    for _ in range(2):  # the first reads and remembers the key, the second is confirmed
        with statements(committed.database) as sent:
            assert (await committed.client.get(paths["north"], headers=headers)).status_code == 200
    assert "require_key_principal" in sent[0]
    assert (await committed.client.get(paths["south"], headers=headers)).status_code == 404
    assert (await committed.client.get(paths["parts"], headers=headers)).status_code == 403
    await _commit(committed, tenant, change(tenant))
    answer = await committed.client.get(paths[target], headers=headers)
    assert answer.status_code == expected, answer.text


async def test_the_check_reads_only_the_callers_tenant(committed: Committed) -> None:
    """The function runs with the caller's rights: under tenant B's settings, tenant A's
    session is not found, whatever ids are sent (RLS)."""
    a, b = await committed.make_tenant(), await committed.make_tenant()
    tech = _tech(a)
    with context.scoped(organization_id=a.organization_id):
        async with transaction(committed.database.sessions) as session:
            session_id = await session.scalar(
                text("SELECT id FROM user_sessions WHERE user_id = :u"), {"u": tech.id}
            )
    call = text(
        "SELECT app.require_session_principal(:org, :sid, :uid, 'technician', ARRAY[:site]::uuid[])"
    )
    params = {"org": a.organization_id, "sid": session_id, "uid": tech.id, "site": a.north.id}
    for tenant, passes in ((a, True), (b, False)):
        with context.scoped(organization_id=tenant.organization_id):
            async with transaction(committed.database.sessions) as session:
                if passes:
                    await session.execute(call, params)
                    continue
                with pytest.raises(DBAPIError) as raised:
                    await session.execute(call, params)
                assert sqlstate(raised.value) == "MPCHG"


async def test_a_request_whose_settings_need_quoting_reads_the_principal(
    committed: Committed, settings: Settings
) -> None:
    """When the settings take the bound statement (a value that needs quoting), the check does
    not ride along: the principal is read by its statement, and a revoked session is refused."""
    tenant = await committed.make_tenant()
    token = tenant.tokens["technician"]
    north = await _asset_at(committed, tenant, "north")
    headers = tenant.headers("technician")
    assert (await committed.client.get(north, headers=headers)).status_code == 200

    async def authenticate() -> list[str]:
        with (
            context.scoped(client_ip="o'brien"),
            statements(committed.database) as sent,
        ):
            async with transaction(committed.database.sessions) as session:
                found = await from_access_token(session, settings.auth, token)
        assert found.user_id == _tech(tenant).id
        return sent

    sent = await authenticate()
    assert len(sent) == 2, sent
    assert "require_session_principal" not in " ".join(sent)
    await _commit(
        committed,
        tenant,
        update(UserSession)
        .where(UserSession.user_id == _tech(tenant).id)
        .values(revoked_at=func.now()),
    )
    with pytest.raises(Exception, match="session has ended"):
        await authenticate()


@pytest.mark.parametrize("role", ["admin'); SELECT 1; --", "admin\n", "", "a" * 65])
def test_a_value_that_may_not_be_inlined_sends_no_check(role: str) -> None:
    """Only plain roles and scopes are inlined into the simple-protocol query; anything else
    is never remembered, so its every request reads the principal with bound parameters."""
    ids = uuid4()
    caller = principal.Principal(ids, ids, role, frozenset({ids}), session_id=ids, api_key_id=ids)
    assert principal._session_check(caller) is None
    assert principal._key_check(caller, "ab" * 32, ["asset:read"]) is None
    plain = principal.Principal(ids, ids, "admin", frozenset({ids}), api_key_id=ids)
    assert principal._key_check(plain, "ab" * 32, [role]) is None
    assert principal._key_check(plain, "ab" * 32, ["asset:read"]) is not None
