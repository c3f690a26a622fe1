"""/api/v1/api-keys: integration keys that are scoped, hashed and revocable (C2, D4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
from sqlalchemy import func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.apikey.schemas import ApiKeyRead
from maintainpro.core import context, tokens
from maintainpro.core.errors import PROBLEM_JSON
from maintainpro.models import ActivityLog, ApiKey
from tests.factories.http import bearer
from tests.factories.identity import Tenant

URL = "/api/v1/api-keys"
Sessions = async_sessionmaker[AsyncSession]


async def create_key(
    client: httpx.AsyncClient, tenant: Tenant, role: str, *, scopes: list[str], **extra: object
) -> httpx.Response:
    body = {"name": f"{role} integration", "scopes": scopes, **extra}
    return await client.post(URL, headers=tenant.headers(role), json=body)


async def issued(
    client: httpx.AsyncClient, tenant: Tenant, role: str, *scopes: str
) -> dict[str, str]:
    response = await create_key(client, tenant, role, scopes=list(scopes or ["location:read"]))
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


async def stored(sessions: Sessions, tenant: Tenant, key_id: str) -> ApiKey:
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session:
            return await session.get_one(ApiKey, UUID(key_id))


async def key_count(sessions: Sessions, tenant: Tenant) -> int:
    with context.scoped(organization_id=tenant.organization_id):
        async with sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(ApiKey)
                .where(ApiKey.organization_id == tenant.organization_id)
            )
    return count or 0


def test_the_read_schema_shows_every_column_but_the_digest() -> None:
    columns = {column.key for column in inspect(ApiKey).columns}
    assert columns - set(ApiKeyRead.model_fields) == {"digest"}


async def test_create_shows_the_key_once_and_stores_only_its_digest(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    manager = acme.users["manager"]
    response = await create_key(
        client, acme, "manager", scopes=["user:read", "location:read", "location:read"]
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["name"], body["scopes"], body["userId"]) == (
        "manager integration",
        ["location:read", "user:read"],
        str(manager.id),
    )
    assert (body["lastUsedAt"], body["expiresAt"], body["revokedAt"]) == (None, None, None)
    assert body["createdBy"] == str(manager.id)
    assert "digest" not in body
    token = tokens.parse(body["key"], kind="apikey")
    assert token is not None
    assert token.organization_id == acme.organization_id
    row = await stored(sessions, acme, body["id"])
    assert row.digest == token.digest
    assert token.secret not in row.digest
    assert row.scopes == ["location:read", "user:read"]

    shown = await client.get(f"{URL}/{body['id']}", headers=acme.headers("manager"))
    assert shown.status_code == 200
    without_key = {k: v for k, v in body.items() if k != "key"}
    assert shown.json() == without_key
    listed = await client.get(URL, headers=acme.headers("manager"))
    assert listed.json() == {"items": [without_key], "nextCursor": None}


async def test_a_key_acts_within_its_scopes_and_records_its_use(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    key = await issued(client, acme, "manager", "location:read")
    allowed = await client.get("/api/v1/locations", headers=bearer(key["key"]))
    assert allowed.status_code == 200, allowed.text
    assert {item["code"] for item in allowed.json()["items"]} == {"NORTH", "N-AREA", "SOUTH"}
    # The manager may read users, but this key was not given that scope.
    denied = await client.get("/api/v1/users", headers=bearer(key["key"]))
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    assert (await stored(sessions, acme, key["id"])).last_used_at is not None
    shown = await client.get(f"{URL}/{key['id']}", headers=acme.headers("manager"))
    assert shown.json()["lastUsedAt"] is not None


async def test_a_revoked_key_is_refused(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    key = await issued(client, acme, "supervisor")
    assert (await client.get("/api/v1/locations", headers=bearer(key["key"]))).status_code == 200
    revoke = await client.delete(f"{URL}/{key['id']}", headers=acme.headers("supervisor"))
    assert revoke.status_code == 204
    revoked_at = (await stored(sessions, acme, key["id"])).revoked_at
    assert revoked_at is not None
    refused = await client.get("/api/v1/locations", headers=bearer(key["key"]))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
    assert refused.json()["code"] == "unauthenticated"
    again = await client.delete(f"{URL}/{key['id']}", headers=acme.headers("supervisor"))
    assert again.status_code == 204
    assert (await stored(sessions, acme, key["id"])).revoked_at == revoked_at


async def test_an_expired_key_is_refused(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    expires = datetime.now(UTC) + timedelta(days=30)
    response = await create_key(
        client, acme, "manager", scopes=["location:read"], expiresAt=expires.isoformat()
    )
    assert response.status_code == 201, response.text
    key = response.json()
    assert datetime.fromisoformat(key["expiresAt"]) == expires
    assert (await client.get("/api/v1/locations", headers=bearer(key["key"]))).status_code == 200
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await session.execute(
                update(ApiKey)
                .where(ApiKey.organization_id == acme.organization_id, ApiKey.id == UUID(key["id"]))
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    refused = await client.get("/api/v1/locations", headers=bearer(key["key"]))
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthenticated")


async def test_owners_see_their_keys_and_admins_see_all(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    mine = await issued(client, acme, "manager")
    theirs = await issued(client, acme, "supervisor")
    admins = await issued(client, acme, "admin")
    listed = await client.get(URL, headers=acme.headers("manager"))
    assert [item["id"] for item in listed.json()["items"]] == [mine["id"]]
    for other in (theirs, admins):
        assert (
            await client.get(f"{URL}/{other['id']}", headers=acme.headers("manager"))
        ).status_code == 404
        assert (
            await client.delete(f"{URL}/{other['id']}", headers=acme.headers("manager"))
        ).status_code == 404
    assert (await stored(sessions, acme, theirs["id"])).revoked_at is None

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=acme.headers("admin"))).json()
        assert all("digest" not in item and "key" not in item for item in page["items"])
        seen += [item["id"] for item in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
    assert seen == sorted([mine["id"], theirs["id"], admins["id"]], key=UUID)
    revoke = await client.delete(f"{URL}/{theirs['id']}", headers=acme.headers("admin"))
    assert revoke.status_code == 204
    assert (await stored(sessions, acme, theirs["id"])).revoked_at is not None


async def test_roles_without_the_grant_and_keys_themselves_cannot_create_keys(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    for role in ("technician", "requester"):
        response = await create_key(client, acme, role, scopes=["location:read"])
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    # API keys are a session-only resource: no key can be given a scope on them ...
    session_only = await create_key(client, acme, "manager", scopes=["api_key:create"])
    assert (session_only.status_code, session_only.json()["errors"][0]["field"]) == (422, "scopes")
    # ... and no key, whatever its scopes, can mint, list or revoke keys.
    key = await issued(client, acme, "manager", "location:read", "user:create")
    minted = await client.post(
        URL, headers=bearer(key["key"]), json={"name": "child", "scopes": ["location:read"]}
    )
    assert (minted.status_code, minted.json()["code"]) == (403, "permission_denied")
    for method, path in (
        ("GET", URL),
        ("GET", f"{URL}/{key['id']}"),
        ("DELETE", f"{URL}/{key['id']}"),
    ):
        refused = await client.request(method, path, headers=bearer(key["key"]))
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert await key_count(sessions, acme) == 1


async def test_scopes_name_and_expiry_are_validated(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    cases: list[tuple[str, dict[str, object], str]] = [
        ("manager", {"scopes": ["organization:update"]}, "scopes"),  # beyond the manager's role
        ("supervisor", {"scopes": ["location:read", "location:create"]}, "scopes"),
        ("admin", {"scopes": ["widget:read"]}, "scopes"),
        ("admin", {"scopes": ["location"]}, "scopes"),
        ("admin", {"scopes": []}, "scopes"),
        ("admin", {"scopes": ["location:read"], "name": ""}, "name"),
        ("admin", {"scopes": ["location:read"], "name": "x" * 101}, "name"),
        ("admin", {"scopes": ["location:read"], "expiresAt": past}, "expiresAt"),
        ("admin", {"scopes": ["location:read"], "expiresAt": "2999-01-01T00:00:00"}, "expiresAt"),
    ]
    for role, body, field in cases:
        response = await client.post(
            URL, headers=acme.headers(role), json={"name": "integration", **body}
        )
        assert response.status_code == 422, (body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], body
    beyond = await create_key(client, acme, "manager", scopes=["organization:update"])
    assert beyond.json()["errors"][0]["code"] == "exceeds_role"
    assert "organization:update" in beyond.json()["errors"][0]["message"]
    assert await key_count(sessions, acme) == 0


async def test_unknown_and_snake_case_fields_are_rejected(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for extra in ({"expires_at": future}, {"digest": "0" * 64}, {"userId": str(uuid4())}):
        response = await create_key(client, acme, "admin", scopes=["location:read"], **extra)
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert (error["field"], error["code"]) == (next(iter(extra)), "extra_forbidden")
    assert await key_count(sessions, acme) == 0


async def test_another_tenant_sees_no_key(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant, sessions: Sessions
) -> None:
    key = await issued(client, acme, "admin")
    missing = await client.get(f"{URL}/{uuid4()}", headers=globex.headers("admin"))
    for method in ("GET", "DELETE"):
        foreign = await client.request(
            method, f"{URL}/{key['id']}", headers=globex.headers("admin")
        )
        assert foreign.status_code == 404
        assert {k: v for k, v in foreign.json().items() if k != "requestId"} == {
            k: v for k, v in missing.json().items() if k != "requestId"
        }
    listed = await client.get(URL, headers=globex.headers("admin"))
    assert listed.json()["items"] == []
    assert (await stored(sessions, acme, key["id"])).revoked_at is None


async def test_creation_and_revocation_are_audited_without_the_digest(
    client: httpx.AsyncClient, acme: Tenant, sessions: Sessions
) -> None:
    manager = acme.users["manager"]
    key = await issued(client, acme, "manager")
    await client.delete(f"{URL}/{key['id']}", headers=acme.headers("manager"))
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            entries = list(
                await session.scalars(
                    select(ActivityLog)
                    .where(
                        ActivityLog.organization_id == acme.organization_id,
                        ActivityLog.entity_type == "api_keys",
                        ActivityLog.entity_id == UUID(key["id"]),
                    )
                    .order_by(ActivityLog.id)
                )
            )
    assert [(e.action, e.actor_id) for e in entries] == [
        ("insert", manager.id),
        ("update", manager.id),
    ]
    created, revoked = entries
    assert created.after is not None
    assert (created.after["name"], created.after["user_id"]) == (key["name"], str(manager.id))
    assert "digest" not in created.after
    assert revoked.after is not None
    assert "revoked_at" in revoked.after
