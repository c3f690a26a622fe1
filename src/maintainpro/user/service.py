"""Users administration inside an organization (C2, D12)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

from sqlalchemy import Select, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import passwords
from maintainpro.auth import service as auth_service
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.config import AuthSettings
from maintainpro.core.errors import (
    Conflict,
    FieldError,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from maintainpro.core.etag import check_version
from maintainpro.core.pagination import Page, rows_by_id
from maintainpro.craft import service as craft_service
from maintainpro.models import GrantableRole, Location, User, UserSite
from maintainpro.user.schemas import UserCreate, UserFilter, UserRead, UserUpdate

EMAIL_TAKEN = "That email address is already registered."


async def read(session: AsyncSession, user: User) -> UserRead:
    return (await read_many(session, [user]))[0]


async def read_many(session: AsyncSession, users: Sequence[User]) -> list[UserRead]:
    """Users with their sites, in one query for the whole page."""
    if not users:
        return []
    rows = await session.execute(
        select(UserSite.user_id, UserSite.location_id)
        .where(
            UserSite.organization_id == users[0].organization_id,
            UserSite.user_id.in_([user.id for user in users]),
        )
        .order_by(UserSite.location_id)
    )
    sites: dict[UUID, list[UUID]] = defaultdict(list)
    for user_id, location_id in rows:
        sites[user_id].append(location_id)
    return [
        UserRead.model_validate(user).model_copy(update={"site_ids": sites[user.id]})
        for user in users
    ]


def _visible(auth: Authorized) -> Select[User]:
    principal = auth.principal
    query = select(User).where(
        User.organization_id == principal.organization_id, User.deleted_at.is_(None)
    )
    if auth.scope is Scope.OWN:
        return query.where(User.id == principal.user_id)
    if auth.scope is Scope.SITE:
        shares_a_site = exists().where(
            UserSite.organization_id == User.organization_id,
            UserSite.user_id == User.id,
            UserSite.location_id.in_(principal.site_ids),
        )
        return query.where(shares_a_site | (User.id == principal.user_id))
    return query


async def list_users(session: AsyncSession, auth: Authorized, query: UserFilter) -> Page[UserRead]:
    statement = _visible(auth)
    if query.role is not None:
        statement = statement.where(User.role == query.role)
    if query.is_active is not None:
        statement = statement.where(User.is_active.is_(query.is_active))
    if query.site_id is not None:
        statement = statement.where(
            exists().where(
                UserSite.organization_id == User.organization_id,
                UserSite.user_id == User.id,
                UserSite.location_id == query.site_id,
            )
        )
    rows, next_cursor = await rows_by_id(session, statement, User.id, query)
    return Page(items=await read_many(session, rows), next_cursor=next_cursor)


async def get_user(session: AsyncSession, auth: Authorized, user_id: UUID) -> User:
    user = await session.scalar(_visible(auth).where(User.id == user_id))
    if user is None:
        raise NotFound("No such user.")
    return user


async def _check_grant(session: AsyncSession, auth: Authorized, *roles: str) -> None:
    """Who may grant (or manage a holder of) which role: the `grantable_roles` table is the one
    source of truth, read in one query; an API key is narrowed further to its scopes."""
    granter = auth.principal.role
    allowed = set(
        await session.scalars(
            select(GrantableRole.grantee_role).where(
                GrantableRole.granter_role == granter, GrantableRole.grantee_role.in_(roles)
            )
        )
    )
    for role in roles:
        if role not in allowed:
            raise PermissionDenied(f"A {granter} may not grant or manage the role {role}.")
        if not auth.principal.covers_role(role):
            raise PermissionDenied(
                f"This API key's scopes do not cover everything the role {role} may do."
            )


async def _set_sites(session: AsyncSession, user: User, site_ids: Sequence[UUID]) -> None:
    wanted = set(site_ids)
    found = set(
        await session.scalars(
            select(Location.id).where(
                Location.organization_id == user.organization_id,
                Location.id.in_(wanted),
                Location.kind == "site",
                Location.deleted_at.is_(None),
            )
        )
    )
    if missing := wanted - found:
        raise ValidationFailed(
            "Unknown sites.",
            [
                FieldError(
                    "siteIds",
                    f"Not a site of this organization: {sorted(map(str, missing))}.",
                    "unknown",
                )
            ],
        )
    await session.execute(
        delete(UserSite).where(
            UserSite.organization_id == user.organization_id, UserSite.user_id == user.id
        )
    )
    session.add_all(
        UserSite(organization_id=user.organization_id, user_id=user.id, location_id=s)
        for s in wanted
    )
    await session.flush()


async def create_user(
    session: AsyncSession, settings: AuthSettings, auth: Authorized, data: UserCreate
) -> User:
    await _check_grant(session, auth, data.role)
    if data.password is not None and not auth.principal.is_interactive:
        # A key holder would otherwise know a password for a new account it just created.
        raise PermissionDenied("An API key cannot set passwords; the user resets their own.")
    user = User(
        organization_id=auth.principal.organization_id,
        email=data.email.lower(),
        full_name=data.full_name,
        role=data.role,
        locale=data.locale,
    )
    if data.password is not None:
        auth_service.check_password_policy(settings, data.password, field="password")
        user.password_hash = await passwords.hash_in_thread(data.password)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        # The address is unique across the installation (D12): the answer is the same whether
        # it belongs to this organization or another, and names neither.
        raise Conflict(EMAIL_TAKEN) from exc
    await _set_sites(session, user, data.site_ids)
    return user


async def update_user(
    session: AsyncSession, auth: Authorized, user_id: UUID, data: UserUpdate, *, version: int | None
) -> User:
    user = await get_user(session, auth, user_id)
    check_version(version, user.version, what="user")
    changes = data.model_dump(exclude_unset=True)
    await _check_grant(
        session, auth, user.role, *([changes["role"]] if changes.get("role") else [])
    )
    if user.id == auth.principal.user_id and (
        "role" in changes or changes.get("is_active") is False
    ):
        raise InvalidState("You cannot change your own role or deactivate yourself.")
    for name in ("full_name", "role", "is_active", "locale"):
        if name in changes:
            if changes[name] is None:
                raise ValidationFailed(
                    "A value is required.", [FieldError(_camel(name), "Cannot be null.", "null")]
                )
            setattr(user, name, changes[name])
    if "site_ids" in changes:
        await _set_sites(session, user, changes["site_ids"] or [])
    await _set_pay(session, user, changes)
    if changes.get("is_active") is False:
        await _revoke_all(session, user)
    await session.flush()
    return user


async def _set_pay(session: AsyncSession, user: User, changes: dict[str, object]) -> None:
    """The rate and craft that price this person's labor from now on (null clears either)."""
    if "hourly_rate" in changes:
        rate = changes["hourly_rate"]
        user.hourly_rate = rate if isinstance(rate, Decimal) else None
    if "craft_id" in changes:
        craft_id = changes["craft_id"]
        if isinstance(craft_id, UUID):
            await craft_service.check_live(session, user.organization_id, craft_id)
        user.craft_id = craft_id if isinstance(craft_id, UUID) else None


async def deactivate_user(session: AsyncSession, auth: Authorized, user_id: UUID) -> None:
    user = await get_user(session, auth, user_id)
    await _check_grant(session, auth, user.role)
    if user.id == auth.principal.user_id:
        raise InvalidState("You cannot deactivate yourself.")
    user.is_active = False
    await _revoke_all(session, user)
    await session.flush()


async def _revoke_all(session: AsyncSession, user: User) -> None:
    ids = await auth_service.live_session_ids(session, user.organization_id, user.id)
    await auth_service.revoke_sessions(session, user.organization_id, ids, reason="deactivated")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
