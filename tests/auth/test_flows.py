"""Sign-up, sign-in, refresh rotation, sign-out and sessions through HTTP (C2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.core import context
from maintainpro.models import RefreshToken, User, UserSession
from tests.factories.http import bearer, login
from tests.factories.identity import PASSWORD, Tenant

REFRESH = "/api/v1/auth/refresh"


async def test_signup_creates_an_organization_with_its_first_admin(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/signup",
        json={
            "organizationName": "Initech",
            "organizationSlug": "initech",
            "timezone": "Europe/Paris",
            "fullName": "Peter Gibbons",
            "email": "Peter@Initech.example.com",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["role"] == "admin"
    assert body["user"]["email"] == "peter@initech.example.com"
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] > 0
    org = await client.get("/api/v1/organization", headers=bearer(body["accessToken"]))
    assert org.json()["slug"] == "initech"
    assert org.json()["timezone"] == "Europe/Paris"
    again = await client.post(
        "/api/v1/auth/signup",
        json={
            "organizationName": "Other",
            "organizationSlug": "other",
            "fullName": "X",
            "email": "peter@initech.example.com",
            "password": "a long enough password",
        },
    )
    assert again.status_code == 409


async def test_signup_validates_its_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/signup",
        json={
            "organizationName": "",
            "organizationSlug": "Bad Slug",
            "fullName": "X",
            "email": "not-an-email",
            "password": "pw",
            "organization_name": "dup",
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"organizationName", "organizationSlug", "email", "organization_name"} <= fields
    short = await client.post(
        "/api/v1/auth/signup",
        json={
            "organizationName": "Ok",
            "organizationSlug": "ok",
            "fullName": "X",
            "email": "x@ok.example.com",
            "password": "short",
            "timezone": "Mars/Olympus",
        },
    )
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "timezone"


async def test_login_rejects_wrong_password_unknown_email_and_inactive_users_alike(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = acme.users["technician"]
    wrong = await login(client, user.email, "wrong password")
    unknown = await login(client, "nobody@nowhere.example.com")
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    inactive = await login(client, user.email)
    for response in (wrong, unknown, inactive):
        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid email or password."
        assert response.headers["content-type"] == "application/problem+json"


async def test_email_is_case_insensitive(client: httpx.AsyncClient, acme: Tenant) -> None:
    response = await login(client, acme.users["admin"].email.upper())
    assert response.status_code == 200


async def test_refresh_rotates_and_the_old_token_survives_only_the_grace_window(
    client: httpx.AsyncClient, acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = (await login(client, acme.users["manager"].email)).json()
    rotated = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refreshToken"] != first["refreshToken"]
    assert (
        await client.get("/api/v1/auth/me", headers=bearer(second["accessToken"]))
    ).status_code == 200
    # A second tab refreshing with the same token at the same moment is not theft.
    sibling = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]})
    assert sibling.status_code == 200
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session, session.begin():
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.rotated_at.is_not(None))
                .values(rotated_at=datetime.now(UTC) - timedelta(minutes=5))
            )
    reuse = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]})
    assert reuse.status_code == 401
    # Reuse after the grace window revokes the whole family, including the newest tokens.
    assert (
        await client.post(REFRESH, json={"refreshToken": second["refreshToken"]})
    ).status_code == 401
    assert (
        await client.get("/api/v1/auth/me", headers=bearer(second["accessToken"]))
    ).status_code == 401
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            reasons = set(await session.scalars(select(UserSession.revoked_reason)))
    assert "token_reuse" in reasons


async def test_malformed_and_foreign_refresh_tokens_are_refused(
    client: httpx.AsyncClient, acme: Tenant, globex: Tenant
) -> None:
    tokens = (await login(client, acme.users["admin"].email)).json()
    forged = tokens["refreshToken"].replace(acme.organization_id.hex, globex.organization_id.hex)
    for value in ("mp_refresh_garbage", forged, tokens["accessToken"][:200]):
        response = await client.post(REFRESH, json={"refreshToken": value})
        assert response.status_code == 401


async def test_logout_ends_this_session_only(client: httpx.AsyncClient, acme: Tenant) -> None:
    email = acme.users["supervisor"].email
    one = (await login(client, email)).json()
    two = (await login(client, email)).json()
    assert (
        await client.post("/api/v1/auth/logout", headers=bearer(one["accessToken"]))
    ).status_code == 204
    assert (
        await client.get("/api/v1/auth/me", headers=bearer(one["accessToken"]))
    ).status_code == 401
    assert (
        await client.post(REFRESH, json={"refreshToken": one["refreshToken"]})
    ).status_code == 401
    assert (
        await client.get("/api/v1/auth/me", headers=bearer(two["accessToken"]))
    ).status_code == 200


async def test_logout_all_ends_every_session(client: httpx.AsyncClient, acme: Tenant) -> None:
    email = acme.users["supervisor"].email
    one = (await login(client, email)).json()
    two = (await login(client, email)).json()
    response = await client.post("/api/v1/auth/logout-all", headers=bearer(two["accessToken"]))
    assert response.status_code == 204
    for pair in (one, two):
        assert (
            await client.get("/api/v1/auth/me", headers=bearer(pair["accessToken"]))
        ).status_code == 401


async def test_sessions_list_and_revoke_are_own_only(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    mine = (await login(client, acme.users["technician"].email)).json()
    listed = await client.get("/api/v1/auth/sessions", headers=bearer(mine["accessToken"]))
    assert listed.status_code == 200
    sessions = listed.json()
    assert len(sessions) == 2  # the fixture's session and this login
    assert sum(s["current"] for s in sessions) == 1
    other = next(s for s in sessions if not s["current"])
    admins = await client.get("/api/v1/auth/sessions", headers=acme.headers("admin"))
    admin_session = admins.json()[0]["id"]
    foreign = await client.delete(
        f"/api/v1/auth/sessions/{admin_session}", headers=bearer(mine["accessToken"])
    )
    assert foreign.status_code == 404
    revoked = await client.delete(
        f"/api/v1/auth/sessions/{other['id']}", headers=bearer(mine["accessToken"])
    )
    assert revoked.status_code == 204
    assert (
        await client.get("/api/v1/auth/me", headers=acme.headers("technician"))
    ).status_code == 401


async def test_password_change_keeps_this_session_and_ends_the_others(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    email = acme.users["requester"].email
    current = (await login(client, email)).json()
    wrong = await client.post(
        "/api/v1/auth/password",
        headers=bearer(current["accessToken"]),
        json={"currentPassword": "nope", "newPassword": "another long password"},
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "currentPassword"
    short = await client.post(
        "/api/v1/auth/password",
        headers=bearer(current["accessToken"]),
        json={"currentPassword": PASSWORD, "newPassword": "short"},
    )
    assert short.json()["errors"][0]["field"] == "newPassword"
    changed = await client.post(
        "/api/v1/auth/password",
        headers=bearer(current["accessToken"]),
        json={"currentPassword": PASSWORD, "newPassword": "another long password"},
    )
    assert changed.status_code == 204
    assert (
        await client.get("/api/v1/auth/me", headers=bearer(current["accessToken"]))
    ).status_code == 200
    assert (
        await client.get("/api/v1/auth/me", headers=acme.headers("requester"))
    ).status_code == 401
    assert (await login(client, email)).status_code == 401
    assert (await login(client, email, "another long password")).status_code == 200


async def test_me_can_be_updated_but_not_beyond_its_fields(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("technician")
    updated = await client.patch(
        "/api/v1/auth/me", headers=headers, json={"fullName": "Tess T.", "locale": "de-DE"}
    )
    assert updated.status_code == 200
    assert (updated.json()["fullName"], updated.json()["locale"]) == ("Tess T.", "de-DE")
    role = await client.patch("/api/v1/auth/me", headers=headers, json={"role": "admin"})
    assert role.status_code == 422
    assert role.json()["errors"][0]["code"] == "extra_forbidden"
    cleared = await client.patch("/api/v1/auth/me", headers=headers, json={"fullName": None})
    assert cleared.status_code == 409


async def test_requests_without_valid_credentials_are_401(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer not.a.jwt"}):
        response = await client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
