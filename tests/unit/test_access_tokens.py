"""Verified access tokens are remembered until they expire, never past it, and only for the
key and issuer that verified them."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from uuid_utils.compat import uuid7

from maintainpro.auth import keys
from maintainpro.config import AuthSettings
from maintainpro.core.errors import Unauthenticated

SETTINGS = AuthSettings(secret_key=SecretStr("k" * 48), access_token_ttl_s=60)


def _token(settings: AuthSettings = SETTINGS) -> str:
    return keys.issue_access_token(
        settings, user_id=uuid7(), organization_id=uuid7(), role="admin", session_id=uuid7()
    )


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token()
    first = keys.read_access_token(SETTINGS, token)
    assert keys.read_access_token(SETTINGS, token) is first  # remembered, not re-verified
    later = float(first["exp"]) + 1
    monkeypatch.setattr(keys, "_now", lambda: later)
    with pytest.raises(Unauthenticated):
        keys.read_access_token(SETTINGS, token)


def test_a_remembered_token_is_not_accepted_under_another_key_or_issuer() -> None:
    token = _token()
    keys.read_access_token(SETTINGS, token)
    other_key = SETTINGS.model_copy(update={"secret_key": SecretStr("o" * 48)})
    other_issuer = SETTINGS.model_copy(update={"issuer": "elsewhere"})
    for settings in (other_key, other_issuer):
        with pytest.raises(Unauthenticated):
            keys.read_access_token(settings, token)
