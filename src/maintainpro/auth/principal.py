"""Who is calling: a bearer access token (JWT naming a live session) or an API key (D4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import keys
from maintainpro.auth.permissions import (
    SESSION_ONLY,
    Action,
    Resource,
    Scope,
    key_scopes_of,
    scope_for,
)
from maintainpro.config import AuthSettings
from maintainpro.core import context, tokens
from maintainpro.core.db import apply_context
from maintainpro.core.errors import Unauthenticated
from maintainpro.models import ApiKey, User, UserSession, UserSite

API_KEY_KIND = "apikey"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # API key use is recorded at most once a minute


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: UUID
    organization_id: UUID
    role: str
    site_ids: frozenset[UUID]
    session_id: UUID | None = None
    api_key_id: UUID | None = None
    # An API key acts for its owner, narrowed to "resource:action" scopes.
    api_scopes: frozenset[str] | None = None

    @property
    def is_interactive(self) -> bool:
        """A signed-in person (a session), as opposed to an integration holding an API key."""
        return self.api_key_id is None

    def scope(self, resource: Resource, action: Action) -> Scope | None:
        """The one permission rule: the role's grant, narrowed for an API key to its scopes,
        and never a session-only resource for a key."""
        granted = scope_for(self.role, resource, action)
        if self.is_interactive:
            return granted
        if resource in SESSION_ONLY or f"{resource}:{action}" not in (self.api_scopes or ()):
            return None
        return granted

    def covers_role(self, role: str) -> bool:
        """Whether this principal may hand out (or manage a holder of) `role`: a person by the
        grantable-roles table alone, a key only for roles that can do no more than its scopes."""
        return self.is_interactive or key_scopes_of(role) <= (self.api_scopes or frozenset())


@dataclass(frozen=True, slots=True)
class Authorized:
    """The principal plus the scope a route's permission grants it: what services receive."""

    principal: Principal
    scope: Scope


async def _bind(session: AsyncSession, organization_id: UUID, user_id: UUID | None) -> None:
    context.bind(organization_id=organization_id, user_id=user_id)
    await apply_context(session)


async def find_live_user(
    session: AsyncSession, organization_id: UUID, user_id: UUID
) -> User | None:
    """The user if they may act: not deleted, not deactivated."""
    return await session.scalar(
        select(User).where(
            User.organization_id == organization_id,
            User.id == user_id,
            User.deleted_at.is_(None),
            User.is_active.is_(True),
        )
    )


async def _live_user(session: AsyncSession, organization_id: UUID, user_id: UUID) -> User:
    user = await find_live_user(session, organization_id, user_id)
    if user is None:
        raise Unauthenticated("The account is not active.")
    return user


async def site_ids(session: AsyncSession, organization_id: UUID, user_id: UUID) -> frozenset[UUID]:
    rows = await session.scalars(
        select(UserSite.location_id).where(
            UserSite.organization_id == organization_id, UserSite.user_id == user_id
        )
    )
    return frozenset(rows)


async def from_access_token(session: AsyncSession, settings: AuthSettings, token: str) -> Principal:
    claims = keys.read_access_token(settings, token)
    org, user_id, session_id = UUID(claims["org"]), UUID(claims["sub"]), UUID(claims["sid"])
    await _bind(session, org, user_id)
    live = await session.scalar(
        select(UserSession.id).where(
            UserSession.organization_id == org,
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > datetime.now(UTC),
        )
    )
    if live is None:
        raise Unauthenticated("The session has ended; sign in again.")
    user = await _live_user(session, org, user_id)
    return Principal(user.id, org, user.role, await site_ids(session, org, user.id), session_id)


async def from_api_key(session: AsyncSession, value: str) -> Principal:
    token = tokens.parse(value, kind=API_KEY_KIND)
    if token is None:
        raise Unauthenticated("The API key is invalid.")
    await _bind(session, token.organization_id, None)
    now = datetime.now(UTC)
    key = await session.scalar(
        select(ApiKey).where(
            ApiKey.organization_id == token.organization_id,
            ApiKey.digest == token.digest,
            ApiKey.revoked_at.is_(None),
        )
    )
    if key is None or (key.expires_at is not None and key.expires_at <= now):
        raise Unauthenticated("The API key is invalid, expired or revoked.")
    user = await _live_user(session, key.organization_id, key.user_id)
    await _bind(session, key.organization_id, user.id)
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.organization_id == key.organization_id, ApiKey.id == key.id)
            .values(last_used_at=now)
        )
    return Principal(
        user.id,
        key.organization_id,
        user.role,
        await site_ids(session, key.organization_id, user.id),
        api_key_id=key.id,
        api_scopes=frozenset(key.scopes),
    )


async def authenticate(
    session: AsyncSession, settings: AuthSettings, authorization: str | None
) -> Principal:
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise Unauthenticated("Send `Authorization: Bearer <access token or API key>`.")
    if credential.startswith(f"mp_{API_KEY_KIND}_"):
        return await from_api_key(session, credential.strip())
    return await from_access_token(session, settings, credential.strip())
