"""Lockout, rate limiting and the second factor (C2, D12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.app import create_app
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import Database
from maintainpro.models import MfaBackupCode, User
from tests.factories.http import login
from tests.factories.identity import PASSWORD, Tenant


@pytest.fixture
async def generous_client(settings: Settings, test_database: Database) -> httpx.AsyncClient:
    """A client whose per-IP login rate is high enough to reach the account lockout."""
    auth = settings.auth.model_copy(update={"login_rate_per_minute": 1000})
    app = create_app(settings.model_copy(update={"auth": auth}), database=test_database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_thirty_wrong_passwords_lock_the_account_for_a_while(
    generous_client: httpx.AsyncClient, acme: Tenant, settings: Settings
) -> None:
    email = acme.users["technician"].email
    statuses = [(await login(generous_client, email, f"guess-{i}")).status_code for i in range(30)]
    threshold = settings.auth.lockout_threshold
    assert statuses[:threshold] == [401] * threshold
    assert set(statuses[threshold:]) == {429}
    right = await login(generous_client, email)
    assert right.status_code == 429
    assert right.json()["code"] == "account_locked"
    assert int(right.headers["retry-after"]) > 0
    # The lock is per (account, client IP): another account from the same client still works.
    assert (await login(generous_client, acme.users["admin"].email)).status_code == 200


async def test_login_is_rate_limited_per_client(
    client: httpx.AsyncClient, acme: Tenant, settings: Settings
) -> None:
    limit = settings.auth.login_rate_per_minute
    for _ in range(limit):
        await login(client, "someone@else.example.com", "x")
    response = await login(client, acme.users["admin"].email)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response.headers["retry-after"] == "60"


def _code(totp: pyotp.TOTP, steps: int = 0) -> str:
    return totp.at(datetime.now(UTC) + timedelta(seconds=30 * steps))


async def _enrol(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> tuple[pyotp.TOTP, list[str]]:
    enrol = await client.post("/api/v1/auth/mfa/enrol", headers=headers)
    assert enrol.status_code == 200
    totp = pyotp.TOTP(enrol.json()["secret"])
    assert enrol.json()["otpauthUri"].startswith("otpauth://totp/")
    wrong = await client.post("/api/v1/auth/mfa/confirm", headers=headers, json={"code": "000000"})
    assert wrong.status_code == 422
    # Confirmed with the previous step's code (still accepted), so the current and the next
    # step remain for the test: a code is good once.
    confirmed = await client.post(
        "/api/v1/auth/mfa/confirm", headers=headers, json={"code": _code(totp, -1)}
    )
    assert confirmed.status_code == 200
    return totp, confirmed.json()["backupCodes"]


async def test_mfa_enrolment_then_login_needs_a_code(
    client: httpx.AsyncClient,
    acme: Tenant,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    user = acme.users["manager"]
    totp, backup = await _enrol(client, acme.headers("manager"))
    assert len(backup) == 10
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            stored = await session.scalar(
                select(User.mfa_secret_encrypted).where(User.id == user.id)
            )
    assert stored is not None
    assert totp.secret not in stored  # encrypted at rest
    without = await login(client, user.email)
    assert (without.status_code, without.json()["code"]) == (401, "mfa_required")
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD, "mfaCode": "123456"}
    )
    assert wrong.status_code == 401
    ok = await client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD, "mfaCode": totp.now()},
    )
    assert ok.status_code == 200
    with_backup = {"email": user.email, "password": PASSWORD, "mfaCode": backup[0]}
    assert (await client.post("/api/v1/auth/login", json=with_backup)).status_code == 200
    assert (await client.post("/api/v1/auth/login", json=with_backup)).status_code == 401  # spent
    with context.scoped(organization_id=acme.organization_id):
        async with sessions() as session:
            unused = await session.scalar(
                select(func.count()).where(
                    MfaBackupCode.user_id == user.id, MfaBackupCode.used_at.is_(None)
                )
            )
    assert unused == 9


async def test_mfa_backup_codes_renew_and_mfa_disables_with_password_and_code(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    headers = acme.headers("supervisor")
    totp, old_codes = await _enrol(client, headers)
    again = await client.post("/api/v1/auth/mfa/enrol", headers=headers)
    assert again.status_code == 409
    renewed = await client.post(
        "/api/v1/auth/mfa/backup-codes", headers=headers, json={"code": totp.now()}
    )
    assert renewed.status_code == 200
    assert set(renewed.json()["backupCodes"]).isdisjoint(old_codes)
    bad = await client.post(
        "/api/v1/auth/mfa/disable", headers=headers, json={"password": "wrong", "code": totp.now()}
    )
    assert bad.status_code == 422
    done = await client.post(
        "/api/v1/auth/mfa/disable",
        headers=headers,
        json={"password": PASSWORD, "code": _code(totp, 1)},
    )
    assert done.status_code == 204
    me = await client.get("/api/v1/auth/me", headers=headers)
    assert me.json()["mfaEnabled"] is False
    assert (await login(client, acme.users["supervisor"].email)).status_code == 200
    assert (
        await client.post(
            "/api/v1/auth/mfa/disable",
            headers=headers,
            json={"password": PASSWORD, "code": "123456"},
        )
    ).status_code == 409


async def test_mfa_secrets_never_reach_responses(client: httpx.AsyncClient, acme: Tenant) -> None:
    await _enrol(client, acme.headers("admin"))
    me = await client.get("/api/v1/auth/me", headers=acme.headers("admin"))
    assert "mfaSecret" not in me.text
    assert "passwordHash" not in me.text
    assert me.json()["mfaEnabled"] is True


async def test_a_totp_code_signs_in_once(client: httpx.AsyncClient, acme: Tenant) -> None:
    user = acme.users["technician"]
    totp, _ = await _enrol(client, acme.headers("technician"))
    body = {"email": user.email, "password": PASSWORD, "mfaCode": totp.now()}
    assert (await client.post("/api/v1/auth/login", json=body)).status_code == 200
    replay = await client.post("/api/v1/auth/login", json=body)
    assert (replay.status_code, replay.json()["code"]) == (401, "unauthenticated")
    # An earlier step's code, though still inside the drift window, is refused as well.
    older = {**body, "mfaCode": _code(totp, -1)}
    assert (await client.post("/api/v1/auth/login", json=older)).status_code == 401
    newer = {**body, "mfaCode": _code(totp, 1)}
    assert (await client.post("/api/v1/auth/login", json=newer)).status_code == 200
