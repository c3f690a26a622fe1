"""Sign-in protection through HTTP: backoff per account across addresses, the CAPTCHA hook,
sign-up throttling, and password hashing off the event loop and outside transactions (D12)."""

from __future__ import annotations

import threading

import httpx
import pytest

from maintainpro.app import create_app
from maintainpro.auth import passwords
from maintainpro.auth.deps import captcha_verifier
from maintainpro.config import Settings
from maintainpro.core.db import Database
from tests.conftest import Committed
from tests.factories.identity import PASSWORD, Tenant

LOGIN = "/api/v1/auth/login"


def _settings(settings: Settings, **auth: object) -> Settings:
    generous = {"login_rate_per_minute": 1000, "lockout_threshold": 100, **auth}
    return settings.model_copy(update={"auth": settings.auth.model_copy(update=generous)})


class Clients:
    """One app; a client per source address, as from a botnet of rotating IPs."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.app = create_app(settings, database=database)

    def at(self, ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(ip, 4242))
        return httpx.AsyncClient(transport=transport, base_url="http://t")


async def _attempt(clients: Clients, ip: str, email: str, password: str, **extra: str) -> int:
    async with clients.at(ip) as http:
        response = await http.post(LOGIN, json={"email": email, "password": password, **extra})
    return response.status_code


async def test_rotating_addresses_meet_a_capped_account_wide_backoff(
    settings: Settings, test_database: Database, acme: Tenant
) -> None:
    clients = Clients(
        # A first backoff longer than four slow sign-ins on a loaded machine take.
        _settings(
            settings,
            account_lockout_threshold=4,
            account_lockout_base_s=60,
            captcha_after_failures=100,
        ),
        test_database,
    )
    email = acme.users["technician"].email
    statuses = [await _attempt(clients, f"198.51.100.{i}", email, "guess") for i in range(8)]
    assert statuses[:4] == [401] * 4
    assert set(statuses[4:]) == {429}  # every new address meets the same account backoff
    async with clients.at("203.0.113.9") as http:
        locked = await http.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert locked.json()["code"] == "account_locked"
    # A backoff, not a hard lock: capped at account_lockout_max_s (5 minutes by default).
    assert 0 < int(locked.headers["retry-after"]) <= settings.auth.account_lockout_max_s + 1
    other = acme.users["admin"].email
    assert await _attempt(clients, "198.51.100.1", other, PASSWORD) == 200


@pytest.fixture
def captcha_calls() -> list[dict[str, object]]:
    return []


async def test_the_captcha_hook_is_asked_once_an_account_has_failed_often(
    settings: Settings,
    test_database: Database,
    acme: Tenant,
    captcha_calls: list[dict[str, object]],
) -> None:
    async def only_humans(*, token: str | None, ip: str | None, failures: int) -> bool:
        captcha_calls.append({"token": token, "ip": ip, "failures": failures})
        return token == "solved"

    clients = Clients(_settings(settings, captcha_after_failures=3), test_database)
    clients.app.dependency_overrides[captcha_verifier] = lambda: only_humans
    email = acme.users["supervisor"].email
    for i in range(3):
        assert await _attempt(clients, f"192.0.2.{i}", email, "guess") == 401
    assert captcha_calls == []  # below the threshold the hook is not asked
    async with clients.at("192.0.2.77") as http:
        refused = await http.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert (refused.status_code, refused.json()["code"]) == (401, "captcha_required")
    assert captcha_calls == [{"token": None, "ip": "192.0.2.77", "failures": 3}]
    solved = await _attempt(clients, "192.0.2.77", email, PASSWORD, captchaToken="solved")
    assert solved == 200
    # A success clears the counters: the next sign-in is not asked again.
    assert await _attempt(clients, "192.0.2.78", email, PASSWORD) == 200
    assert len(captcha_calls) == 2


async def test_the_default_captcha_hook_lets_the_backoff_decide(
    settings: Settings, test_database: Database, acme: Tenant
) -> None:
    clients = Clients(_settings(settings, captcha_after_failures=1), test_database)
    email = acme.users["manager"].email
    assert await _attempt(clients, "192.0.2.1", email, "guess") == 401
    assert await _attempt(clients, "192.0.2.2", email, PASSWORD) == 200


async def test_sign_up_is_throttled_per_client(settings: Settings, test_database: Database) -> None:
    clients = Clients(_settings(settings, signup_rate_per_minute=2), test_database)

    async def sign_up(ip: str, n: int) -> httpx.Response:
        async with clients.at(ip) as http:
            return await http.post(
                "/api/v1/auth/signup",
                json={
                    "organizationName": f"Org {n}",
                    "organizationSlug": f"throttled-{n}",
                    "fullName": "F",
                    "email": f"owner{n}@throttled.example.com",
                    "password": "a long enough password",
                },
            )

    assert [(await sign_up("192.0.2.10", n)).status_code for n in range(2)] == [201, 201]
    third = await sign_up("192.0.2.10", 2)
    assert (third.status_code, third.json()["code"]) == (429, "rate_limited")
    assert third.headers["retry-after"] == "60"
    assert (await sign_up("192.0.2.11", 3)).status_code == 201


@pytest.fixture
def hashing_probe(monkeypatch: pytest.MonkeyPatch, committed: Committed) -> list[tuple[bool, int]]:
    """Records, for every argon2id call: was it on the event loop's thread, and how many
    pooled connections (open transactions) were checked out at that moment."""
    seen: list[tuple[bool, int]] = []
    pool = committed.database.engine.sync_engine.pool
    real_verify, real_hash = passwords.verify_password, passwords.hash_password
    loop_thread = threading.current_thread()

    def probe() -> None:
        seen.append((threading.current_thread() is loop_thread, pool.checkedout()))  # type: ignore[attr-defined]  # QueuePool

    def verify(stored: str | None, password: str) -> bool:
        probe()
        return real_verify(stored, password)

    def hash_(password: str) -> str:
        probe()
        return real_hash(password)

    monkeypatch.setattr(passwords, "verify_password", verify)
    monkeypatch.setattr(passwords, "hash_password", hash_)
    return seen


async def test_passwords_are_hashed_off_the_loop_and_outside_transactions(
    committed: Committed, hashing_probe: list[tuple[bool, int]]
) -> None:
    tenant = await committed.make_tenant(label="hashing", roles=("technician",))
    hashing_probe.clear()  # the factory's own hash, when this worker had none cached yet
    email = tenant.users["technician"].email
    wrong = await committed.client.post(LOGIN, json={"email": email, "password": "nope"})
    right = await committed.client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert (wrong.status_code, right.status_code) == (401, 200)
    assert hashing_probe == [(False, 0), (False, 0)]
