"""Users, sessions and tokens for tests: one organization with a user per role, and another."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from maintainpro.auth import passwords
from maintainpro.auth import service as auth_service
from maintainpro.auth.principal import API_KEY_KIND
from maintainpro.config import AuthSettings
from maintainpro.core import context, tokens
from maintainpro.models import ApiKey, Location, Organization, User, UserSite
from maintainpro.models.user import ROLES, SITE_BOUND_ROLES
from tests.factories.organization import new_area, new_site

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
    """One transaction: the organization (the tenant set to its id first, as signup does),
    its sites and a signed-in user per role. Most tests start with one, so it is cheap."""
    org_id = uuid7()
    digest = await password_hash()
    with context.scoped(organization_id=org_id):
        async with sessions() as session, session.begin():
            session.add(Organization(id=org_id, name=label, slug=f"org-{org_id.hex[-12:]}"))
            await session.flush()  # no ORM relationship orders the organization first
            north, south = new_site(org_id, "NORTH"), new_site(org_id, "SOUTH")
            north_area = new_area(north, "N-AREA")
            session.add_all([north, north_area, south])
            users = {
                role: User(
                    organization_id=org_id,
                    email=f"{role}.{org_id.hex[-8:]}@{label}.example.com",
                    full_name=f"{role.title()} User",
                    role=role,
                    password_hash=digest,
                )
                for role in roles
            }
            session.add_all(users.values())
            await session.flush()
            session.add_all(
                UserSite(organization_id=org_id, user_id=user.id, location_id=north.id)
                for role, user in users.items()
                if role in SITE_BOUND_ROLES
            )
            tenant = Tenant(org_id, north, north_area, south, users)
            for role, user in users.items():
                issued = await auth_service.start_session(
                    session, settings, user, ip=None, user_agent="tests"
                )
                tenant.tokens[role] = issued.access_token
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
