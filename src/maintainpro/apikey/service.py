"""API keys for integrations (C2, D4): scoped, hashed, revocable.

A key acts as its owner narrowed to its scopes (`auth.principal.Principal.scope`); here it is
issued, listed and revoked. Only the digest of the secret is stored. Keys themselves are a
session-only resource: no key can list, create or revoke keys (`permissions.SESSION_ONLY`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.apikey.schemas import ApiKeyCreate, ApiKeyRead
from maintainpro.auth.permissions import Action, Resource, Scope, scope_for
from maintainpro.auth.principal import API_KEY_KIND, Authorized
from maintainpro.core import tokens
from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.pagination import Page, PageQuery, rows_by_id
from maintainpro.models import ApiKey


def _visible(auth: Authorized) -> Select[ApiKey]:
    principal = auth.principal
    query = select(ApiKey).where(ApiKey.organization_id == principal.organization_id)
    # Anything narrower than ALL means the caller's own keys (the matrix grants OWN or ALL).
    if auth.scope is not Scope.ALL:
        query = query.where(ApiKey.user_id == principal.user_id)
    return query


async def list_keys(session: AsyncSession, auth: Authorized, query: PageQuery) -> Page[ApiKeyRead]:
    rows, next_cursor = await rows_by_id(session, _visible(auth), ApiKey.id, query)
    return Page(items=[ApiKeyRead.model_validate(row) for row in rows], next_cursor=next_cursor)


async def get(session: AsyncSession, auth: Authorized, key_id: UUID) -> ApiKey:
    key = await session.scalar(_visible(auth).where(ApiKey.id == key_id))
    if key is None:
        raise NotFound("No such API key.")
    return key


def _granted(role: str, scope: str) -> bool:
    resource, _, action = scope.partition(":")  # the schema admits only known pairs
    return scope_for(role, Resource(resource), Action(action)) is not None


def _check_within_role(role: str, scopes: Iterable[str]) -> None:
    """A key can never do more than its owner's role allows."""
    if beyond := [scope for scope in scopes if not _granted(role, scope)]:
        message = f"Your role ({role}) does not grant: {', '.join(beyond)}."
        raise ValidationFailed(message, [FieldError("scopes", message, "exceeds_role")])


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= datetime.now(UTC):
        message = "The expiry must be in the future."
        raise ValidationFailed(message, [FieldError("expiresAt", message, "in_past")])


async def create(session: AsyncSession, auth: Authorized, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    """The new key and its full token; the token exists only in this return value."""
    principal = auth.principal
    _check_within_role(principal.role, data.scopes)
    _check_expiry(data.expires_at)
    token = tokens.issue(API_KEY_KIND, principal.organization_id)
    key = ApiKey(
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        name=data.name,
        digest=token.digest,
        scopes=data.scopes,
        expires_at=data.expires_at,
    )
    session.add(key)
    await session.flush()
    return key, str(token)


async def revoke(session: AsyncSession, auth: Authorized, key_id: UUID) -> ApiKey:
    """Idempotent: revoking a revoked key keeps the first revocation time."""
    key = await get(session, auth, key_id)
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        await session.flush()
    return key
