"""Opaque tokens that carry their organization in clear (D4): `mp_<kind>_<org-id>.<secret>`.

The server reads the tenant from the prefix, sets it for the transaction, then compares the
stored hash of the secret in constant time. Only the hash is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from uuid import UUID

_FORMAT = re.compile(
    r"^mp_(?P<kind>[a-z]+)_(?P<org>[0-9a-f]{32})\.(?P<secret>[A-Za-z0-9_-]{32,128})$"
)
SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class OpaqueToken:
    kind: str
    organization_id: UUID
    secret: str

    def __str__(self) -> str:
        return f"mp_{self.kind}_{self.organization_id.hex}.{self.secret}"

    @property
    def digest(self) -> str:
        """What is stored: SHA-256 of the secret (the secret has 256 bits of entropy, so a fast
        hash is enough; a password hash would only slow every request down)."""
        return hashlib.sha256(self.secret.encode()).hexdigest()


def issue(kind: str, organization_id: UUID) -> OpaqueToken:
    if not kind.isalpha() or not kind.islower():
        raise ValueError("token kinds are lower-case letters")
    return OpaqueToken(kind, organization_id, secrets.token_urlsafe(SECRET_BYTES))


def parse(value: str, *, kind: str) -> OpaqueToken | None:
    """The token if it is well formed and of the expected kind; None otherwise."""
    match = _FORMAT.match(value)
    if match is None or match["kind"] != kind:
        return None
    return OpaqueToken(kind, UUID(hex=match["org"]), match["secret"])


def matches(token: OpaqueToken, stored_digest: str) -> bool:
    return hmac.compare_digest(token.digest, stored_digest)
