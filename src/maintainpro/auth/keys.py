"""The installation's secret key: signs access tokens, encrypts TOTP secrets at rest."""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from uuid import UUID

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from maintainpro.config import AuthSettings
from maintainpro.core.errors import Unauthenticated

ALGORITHM = "HS256"


def secret_key(settings: AuthSettings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return _file_key(settings.secret_key_file.expanduser().resolve())


@lru_cache
def _file_key(path: Path) -> bytes:
    """Development fallback: one random key per data directory, shared by every process."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        if not path.read_text():
            path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _derive(settings: AuthSettings, purpose: bytes) -> bytes:
    return _derived(secret_key(settings), purpose)


def derived_secret(settings: AuthSettings, purpose: bytes, subject: bytes) -> str:
    """A secret that can be made again from `subject` (a record id) but by nobody without the
    installation key: the token of a printable link, of which only the digest is stored."""
    mac = hmac.digest(_derive(settings, purpose), subject, "sha256")
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


@lru_cache(maxsize=16)
def _derived(secret: bytes, purpose: bytes) -> bytes:
    """Once per process and (key, purpose): HKDF is a fixed cost per request otherwise."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return hkdf.derive(secret)


def issue_access_token(
    settings: AuthSettings, *, user_id: UUID, organization_id: UUID, role: str, session_id: UUID
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": settings.issuer,
        "sub": str(user_id),
        "org": str(organization_id),
        "role": role,
        "sid": str(session_id),
        "iat": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_s),
    }
    return jwt.encode(claims, _derive(settings, b"access-token"), algorithm=ALGORITHM)


# Tokens whose signature and claims were checked, until they expire: verifying an HS256 JWT
# is a fixed cost per request otherwise. The signature of a given token under a given key
# never changes, and its expiry is checked on every use; revocation is not a property of the
# token (the session behind it is checked by every request, auth/principal.py).
_VERIFIED: dict[tuple[str, bytes, str], tuple[float, dict[str, str]]] = {}
_VERIFIED_MAX = 10_000


def _now() -> float:
    return time.time()


def read_access_token(settings: AuthSettings, token: str) -> dict[str, str]:
    key = (token, _derive(settings, b"access-token"), settings.issuer)
    known = _VERIFIED.get(key)
    if known is not None:
        if _now() < known[0]:
            return known[1]
        del _VERIFIED[key]
        raise Unauthenticated("The access token is invalid or expired.")
    claims = _verify(settings, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = (float(claims["exp"]), claims)
    return claims


def _verify(settings: AuthSettings, token: str) -> dict[str, str]:
    try:
        claims: dict[str, str] = jwt.decode(
            token,
            _derive(settings, b"access-token"),
            algorithms=[ALGORITHM],
            issuer=settings.issuer,
            options={"require": ["exp", "sub", "org", "sid"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated("The access token is invalid or expired.") from exc
    return claims


def _fernet(settings: AuthSettings) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(settings, b"totp-secret")))


def encrypt(settings: AuthSettings, value: str) -> str:
    return _fernet(settings).encrypt(value.encode()).decode()


def decrypt(settings: AuthSettings, value: str) -> str:
    try:
        return _fernet(settings).decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the stored secret cannot be decrypted with this key") from exc
