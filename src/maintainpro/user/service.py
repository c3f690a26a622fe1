"""Users administration inside an organization (C2, D12)."""

from __future__ import annotations

from collections.abc import Sequence
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
from maintainpro.models import GrantableRole, Location, User, UserSite
from maintainpro.user.schemas import UserCreate, UserFilter, UserRead, UserUpdate


async def read(session: AsyncSession, user: User) -> UserRead:
    sites = await session.scalars(
        select(UserSite.location_id)
        .where(UserSite.organization_id == user.organization_id, UserSite.user_id == user.id)
        .order_by(UserSite.location_id)
    )
    return UserRead.model_validate(user).model_copy(update={"site_ids": list(sites)})


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
    return Page(items=[await read(session, user) for user in rows], next_cursor=next_cursor)


async def get_user(session: AsyncSession, auth: Authorized, user_id: UUID) -> User:
    user = await session.scalar(_visible(auth).where(User.id == user_id))
    if user is None:
        raise NotFound("No such user.")
    return user


async def _check_grant(session: AsyncSession, granter: str, *roles: str) -> None:
    for role in roles:
        allowed = await session.scalar(
            select(GrantableRole.id).where(
                GrantableRole.granter_role == granter, GrantableRole.grantee_role == role
            )
        )
        if allowed is None:
            raise PermissionDenied(f"A {granter} may not grant or manage the role {role}.")


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
    await _check_grant(session, auth.principal.role, data.role)
    user = User(
        organization_id=auth.principal.organization_id,
        email=data.email.lower(),
        full_name=data.full_name,
        role=data.role,
        locale=data.locale,
    )
    if data.password is not None:
        auth_service.check_password_policy(settings, data.password, field="password")
        user.password_hash = passwords.hash_password(data.password)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("A user with this email address already exists.") from exc
    await _set_sites(session, user, data.site_ids)
    return user


async def update_user(
    session: AsyncSession, auth: Authorized, user_id: UUID, data: UserUpdate, *, version: int | None
) -> User:
    user = await get_user(session, auth, user_id)
    check_version(version, user.version, what="user")
    changes = data.model_dump(exclude_unset=True)
    await _check_grant(
        session, auth.principal.role, user.role, *([changes["role"]] if changes.get("role") else [])
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
    if changes.get("is_active") is False:
        await _revoke_all(session, user)
    await session.flush()
    return user


async def deactivate_user(session: AsyncSession, auth: Authorized, user_id: UUID) -> None:
    user = await get_user(session, auth, user_id)
    await _check_grant(session, auth.principal.role, user.role)
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
