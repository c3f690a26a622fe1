"""/api/v1/users: what an API key may grant, e-mail conflicts across organizations, and the
statements a list or a grant check costs."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.auth.permissions import key_scopes_of
from maintainpro.core.db import Database
from tests.factories.http import bearer
from tests.factories.identity import Tenant, make_api_key
from tests.factories.statements import statements

URL = "/api/v1/users"
Sessions = async_sessionmaker[AsyncSession]


async def test_a_key_grants_no_role_beyond_its_scopes_and_sets_no_password(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    requester_like = key_scopes_of("requester") | {"user:create", "user:update"}
    key = bearer(await make_api_key(sessions, acme.users["admin"], requester_like))
    body = {"email": "bot-made@acme.example.com", "fullName": "B", "role": "requester"}
    with_password = await client.post(URL, headers=key, json={**body, "password": "x" * 12})
    assert (with_password.status_code, with_password.json()["code"]) == (403, "permission_denied")
    admin = await client.post(URL, headers=key, json={**body, "role": "admin"})
    assert (admin.status_code, admin.json()["code"]) == (403, "permission_denied")
    made = await client.post(URL, headers=key, json=body)
    assert made.status_code == 201, made.text
    promote = await client.patch(f"{URL}/{made.json()['id']}", headers=key, json={"role": "admin"})
    assert (promote.status_code, promote.json()["code"]) == (403, "permission_denied")
    # Nor may it manage a holder of a role above its scopes.
    manager = acme.users["manager"].id
    rename = await client.patch(f"{URL}/{manager}", headers=key, json={"fullName": "Pwned"})
    assert rename.status_code == 403
    # A narrower key cannot even create the requester its owner could.
    narrow = bearer(await make_api_key(sessions, acme.users["admin"], {"user:create"}))
    other = {**body, "email": "bot-2@acme.example.com"}
    assert (await client.post(URL, headers=narrow, json=other)).status_code == 403


async def test_an_address_of_another_organization_gets_the_same_answer_as_one_of_this(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    """Addresses are unique installation-wide, so a conflict must be told; it is told the same
    way for both, naming neither the organization nor whether it is this one."""
    answers = []
    for existing in (acme.users["technician"].email, globex.users["technician"].email):
        response = await client.post(
            URL,
            headers=acme.headers("admin"),
            json={"email": existing, "fullName": "Dup", "role": "requester"},
        )
        assert response.status_code == 409
        answers.append({k: v for k, v in response.json().items() if k != "requestId"})
    assert answers[0] == answers[1]
    text = str(answers[1])
    assert str(globex.organization_id) not in text
    assert "globex" not in text.lower()


async def test_the_users_list_reads_all_sites_in_one_query(
    client: httpx.AsyncClient, acme: Tenant, test_database: Database
) -> None:
    counts = []
    for limit in (1, 7):
        with statements(test_database) as seen:
            response = await client.get(URL, headers=acme.headers("admin"), params={"limit": limit})
        assert len(response.json()["items"]) == limit
        counts.append(sum("user_sites" in sql for sql in seen))
    assert counts == [2, 2]  # the caller's own sites, then the whole page's


async def test_a_grant_check_is_one_query_whatever_the_roles(
    client: httpx.AsyncClient, acme: Tenant, test_database: Database
) -> None:
    target = acme.users["requester"].id
    with statements(test_database) as seen:
        response = await client.patch(
            f"{URL}/{target}", headers=acme.headers("admin"), json={"role": "technician"}
        )
    assert response.status_code == 200, response.text
    assert sum("grantable_roles" in sql for sql in seen) == 1
