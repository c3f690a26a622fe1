"""Production refuses weak secrets and keeps sign-up closed unless asked (issue 7, point 5)."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from maintainpro.app import create_app
from maintainpro.config import MIN_SECRET_KEY_BYTES, AuthSettings, Settings, get_settings
from maintainpro.core.db import Database

STRONG = SecretStr("k" * MIN_SECRET_KEY_BYTES)


@pytest.mark.parametrize("key", [None, SecretStr("short"), SecretStr("k" * 31)])
def test_production_does_not_start_without_a_strong_secret_key(key: SecretStr | None) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", auth=AuthSettings(secret_key=key))


def test_the_environment_alone_refuses_a_weak_production_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAINTAINPRO_ENVIRONMENT", "production")
    monkeypatch.setenv("MAINTAINPRO_AUTH__SECRET_KEY", "too-short")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError):
            get_settings()
        monkeypatch.setenv("MAINTAINPRO_AUTH__SECRET_KEY", STRONG.get_secret_value())
        get_settings.cache_clear()
        assert get_settings().auth.signup_enabled is False
        monkeypatch.setenv("MAINTAINPRO_AUTH__SIGNUP_ENABLED", "true")
        get_settings.cache_clear()
        assert get_settings().auth.signup_enabled is True  # an explicit choice stands
    finally:
        get_settings.cache_clear()


def test_development_keeps_its_defaults() -> None:
    settings = Settings(environment="development", auth=AuthSettings())
    assert settings.auth.signup_enabled is True


async def test_sign_up_is_off_by_default_in_production(
    settings: Settings, test_database: Database
) -> None:
    production = Settings(
        environment="production",
        database=settings.database,
        auth=AuthSettings(secret_key=STRONG),
    )
    app = create_app(production, database=test_database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post(
            "/api/v1/auth/signup",
            json={
                "organizationName": "Prod",
                "organizationSlug": "prod",
                "fullName": "P",
                "email": "p@prod.example.com",
                "password": "a long enough password",
            },
        )
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
