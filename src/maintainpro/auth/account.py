"""The signed-in person's own account: profile, sessions, password (C2).

Reached only through an interactive session (`auth.deps.InteractiveSession`): an API key acts
for its owner on the resources its scopes name, never on the account itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import passwords
from maintainpro.auth import service as auth_service
from maintainpro.auth.principal import Principal
from maintainpro.auth.schemas import MeUpdate, SessionRead
from maintainpro.config import AuthSettings
from maintainpro.core.errors import FieldError, InvalidState, NotFound, ValidationFailed
from maintainpro.models import User, UserSession


async def get_me(session: AsyncSession, principal: Principal) -> User:
    return await session.get_one(User, principal.user_id)


async def update_me(session: AsyncSession, principal: Principal, data: MeUpdate) -> User:
    user = await get_me(session, principal)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise InvalidState(f"`{name}` cannot be cleared.")
        setattr(user, name, value)
    await session.flush()
    return user


async def logout(session: AsyncSession, principal: Principal) -> None:
    if principal.session_id is not None:
        await auth_service.revoke_sessions(
            session, principal.organization_id, [principal.session_id], reason="logout"
        )


async def logout_all(session: AsyncSession, principal: Principal) -> int:
    ids = await auth_service.live_session_ids(session, principal.organization_id, principal.user_id)
    return await auth_service.revoke_sessions(
        session, principal.organization_id, ids, reason="logout_all"
    )


async def list_sessions(session: AsyncSession, principal: Principal) -> list[SessionRead]:
    """The caller's live sessions, newest first, the one making this request marked `current`."""
    rows = await session.scalars(
        select(UserSession)
        .where(
            UserSession.organization_id == principal.organization_id,
            UserSession.user_id == principal.user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > datetime.now(UTC),
        )
        .order_by(UserSession.id.desc())
    )
    return [
        SessionRead.model_validate(row).model_copy(
            update={"current": row.id == principal.session_id}
        )
        for row in rows
    ]


async def revoke_session(session: AsyncSession, principal: Principal, session_id: UUID) -> None:
    own = await auth_service.live_session_ids(session, principal.organization_id, principal.user_id)
    if session_id not in own:
        raise NotFound("No such session.")
    await auth_service.revoke_sessions(
        session, principal.organization_id, [session_id], reason="revoked"
    )


async def change_password(
    session: AsyncSession, settings: AuthSettings, principal: Principal, *, current: str, new: str
) -> None:
    """Every other session of the account ends; the one that changed the password stays."""
    user = await get_me(session, principal)
    if not await passwords.verify_in_thread(user.password_hash, current):
        raise ValidationFailed(
            "The current password is wrong.",
            [FieldError("currentPassword", "Does not match.", "mismatch")],
        )
    auth_service.check_password_policy(settings, new, field="newPassword")
    user.password_hash = await passwords.hash_in_thread(new)
    user.password_changed_at = datetime.now(UTC)
    others = [
        sid
        for sid in await auth_service.live_session_ids(session, principal.organization_id, user.id)
        if sid != principal.session_id
    ]
    await auth_service.revoke_sessions(
        session, principal.organization_id, others, reason="password_changed"
    )
