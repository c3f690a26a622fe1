from __future__ import annotations

import pytest
from uuid_utils.compat import uuid7

from maintainpro.core import tokens


def test_issued_tokens_round_trip_and_carry_their_organization() -> None:
    org = uuid7()
    token = tokens.issue("refresh", org)
    text = str(token)
    assert text.startswith(f"mp_refresh_{org.hex}.")
    parsed = tokens.parse(text, kind="refresh")
    assert parsed == token
    assert tokens.matches(parsed, token.digest)


def test_secrets_are_unique_and_only_their_hash_matches() -> None:
    org = uuid7()
    first, second = tokens.issue("apikey", org), tokens.issue("apikey", org)
    assert first.secret != second.secret
    assert not tokens.matches(second, first.digest)
    assert first.secret not in first.digest


@pytest.mark.parametrize(
    "value",
    [
        "",
        "mp_refresh_nothex.secretsecretsecretsecretsecretsecret",
        "mp_reset_0123456789abcdef0123456789abcdef.short",
        "mp_refresh_0123456789abcdef0123456789abcdef.has spaces in the secret part!!",
        "xx_refresh_0123456789abcdef0123456789abcdef.abcdefghijabcdefghijabcdefghijab",
    ],
)
def test_malformed_tokens_are_rejected(value: str) -> None:
    assert tokens.parse(value, kind="refresh") is None


def test_a_token_of_another_kind_is_rejected() -> None:
    token = tokens.issue("reset", uuid7())
    assert tokens.parse(str(token), kind="refresh") is None


def test_kinds_are_plain_words() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        tokens.issue("api_key", uuid7())
