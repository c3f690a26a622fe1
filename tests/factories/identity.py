"""Users, sessions and tokens for tests: one organization with a user per role, and another."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maintainpro.auth import passwords
from maintainpro.auth import service as auth_service
from maintainpro.auth.principal import API_KEY_KIND
from maintainpro.config import AuthSettings
from maintainpro.core import context, tokens
from maintainpro.models import ApiKey, Location, User, UserSite
from maintainpro.models.user import ROLES, SITE_BOUND_ROLES
from tests.factories.organization import make_location, make_organization

PASSWORD = "correct horse battery staple"


_HASHES: dict[str, str] = {}


async def password_hash() -> str:
    """Hashed once per test process: argon2id is deliberately slow."""
    if PASSWORD not in _HASHES:
        _HASHES[PASSWORD] = await passwords.hash_in_thread(PASSWORD)
    return _HASHES[PASSWORD]


@dataclass
class Tenant:
    organization_id: UUID
    north: Location
    north_area: Location
    south: Location
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


async def make_user(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: UUID,
    *,
    role: str,
    email: str,
    site_ids: tuple[UUID, ...] = (),
) -> User:
    with context.scoped(organization_id=organization_id):
        async with sessions() as session, session.begin():
            user = User(
                organization_id=organization_id,
                email=email,
                full_name=f"{role.title()} User",
                role=role,
                password_hash=await password_hash(),
            )
            session.add(user)
            await session.flush()
            session.add_all(
                UserSite(organization_id=organization_id, user_id=user.id, location_id=site)
                for site in site_ids
            )
    return user


async def access_token(
    sessions: async_sessionmaker[AsyncSession], settings: AuthSettings, user: User
) -> str:
    with context.scoped(organization_id=user.organization_id, user_id=user.id):
        async with sessions() as session, session.begin():
            issued = await auth_service.start_session(
                session, settings, user, ip=None, user_agent="tests"
            )
    return issued.access_token


async def make_tenant(
    sessions: async_sessionmaker[AsyncSession],
    settings: AuthSettings,
    *,
    label: str,
    roles: tuple[str, ...] = ROLES,
) -> Tenant:
    org = await make_organization(sessions, name=label)
    north = await make_location(sessions, org.id, code="NORTH")
    north_area = await make_location(
        sessions, org.id, code="N-AREA", kind="area", parent_id=north.id
    )
    south = await make_location(sessions, org.id, code="SOUTH")
    tenant = Tenant(org.id, north, north_area, south)
    for role in roles:
        sites = (north.id,) if role in SITE_BOUND_ROLES else ()
        user = await make_user(
            sessions,
            org.id,
            role=role,
            email=f"{role}.{org.id.hex[-8:]}@{label}.example.com",
            site_ids=sites,
        )
        tenant.users[role] = user
        tenant.tokens[role] = await access_token(sessions, settings, user)
    return tenant


async def make_api_key(
    sessions: async_sessionmaker[AsyncSession], user: User, scopes: Iterable[str]
) -> str:
    """An API key of `user` limited to `scopes`; returns the full key for a Bearer header."""
    token = tokens.issue(API_KEY_KIND, user.organization_id)
    with context.scoped(organization_id=user.organization_id, user_id=user.id):
        async with sessions() as session, session.begin():
            session.add(
                ApiKey(
                    organization_id=user.organization_id,
                    user_id=user.id,
                    name="test key",
                    digest=token.digest,
                    scopes=sorted(scopes),
                )
            )
    return str(token)
