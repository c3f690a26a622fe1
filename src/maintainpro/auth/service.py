"""Sign-up, sign-in, token rotation and session control (C2, D4, D12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.auth import keys, passwords
from maintainpro.auth.principal import Principal, find_live_user
from maintainpro.config import AuthSettings
from maintainpro.core import context, tokens
from maintainpro.core.db import apply_context
from maintainpro.core.errors import Conflict, FieldError, Unauthenticated, ValidationFailed
from maintainpro.core.timezones import check_timezone
from maintainpro.models import Organization, RefreshToken, User, UserSession

REFRESH_KIND = "refresh"
BAD_CREDENTIALS = "Invalid email or password."


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def check_password_policy(settings: AuthSettings, password: str, *, field: str) -> None:
    if len(password) < settings.password_min_length:
        raise ValidationFailed(
            "The password is too short.",
            [
                FieldError(
                    field, f"At least {settings.password_min_length} characters.", "too_short"
                )
            ],
        )


async def _bind_tenant(session: AsyncSession, organization_id: UUID, user_id: UUID | None) -> None:
    context.bind(organization_id=organization_id, user_id=user_id)
    await apply_context(session)


async def start_session(
    session: AsyncSession,
    settings: AuthSettings,
    user: User,
    *,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    now = datetime.now(UTC)
    login = UserSession(
        organization_id=user.organization_id,
        user_id=user.id,
        ip=ip,
        user_agent=(user_agent or "")[:512] or None,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_s),
    )
    session.add(login)
    await session.flush()
    return await _issue(session, settings, user, login)


async def _issue(
    session: AsyncSession, settings: AuthSettings, user: User, login: UserSession
) -> IssuedTokens:
    refresh = tokens.issue(REFRESH_KIND, user.organization_id)
    session.add(
        RefreshToken(
            organization_id=user.organization_id, session_id=login.id, digest=refresh.digest
        )
    )
    await session.flush()
    access = keys.issue_access_token(
        settings,
        user_id=user.id,
        organization_id=user.organization_id,
        role=user.role,
        session_id=login.id,
    )
    return IssuedTokens(access, str(refresh), settings.access_token_ttl_s, user)


async def signup(
    session: AsyncSession,
    settings: AuthSettings,
    *,
    organization_name: str,
    slug: str,
    timezone: str,
    full_name: str,
    email: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    check_timezone(timezone)
    check_password_policy(settings, password, field="password")
    org_id, user_id = uuid7(), uuid7()
    await _bind_tenant(session, org_id, user_id)
    session.add(Organization(id=org_id, name=organization_name, slug=slug, timezone=timezone))
    user = User(
        id=user_id,
        organization_id=org_id,
        email=email.lower(),
        full_name=full_name,
        role="admin",
        password_hash=passwords.hash_password(password),
        password_changed_at=datetime.now(UTC),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("That email address or organization slug is already registered.") from exc
    return await start_session(session, settings, user, ip=ip, user_agent=user_agent)


async def resolve_login(session: AsyncSession, email: str) -> User | None:
    """Finds the account behind an email before any tenant is known (D4)."""
    org_id = await session.scalar(text("SELECT app.auth_resolve_login(:email)"), {"email": email})
    if org_id is None:
        return None
    await _bind_tenant(session, org_id, None)
    return await session.scalar(
        select(User).where(
            User.organization_id == org_id, User.email == email.lower(), User.deleted_at.is_(None)
        )
    )


async def verify_credentials(session: AsyncSession, email: str, password: str) -> User:
    user = await resolve_login(session, email)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        raise Unauthenticated(BAD_CREDENTIALS)
    context.bind(user_id=user.id)
    await apply_context(session)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


async def finish_login(
    session: AsyncSession,
    settings: AuthSettings,
    user: User,
    *,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    user.last_login_at = datetime.now(UTC)
    return await start_session(session, settings, user, ip=ip, user_agent=user_agent)


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    tokens: IssuedTokens | None
    reused: bool = False


async def refresh(session: AsyncSession, settings: AuthSettings, value: str) -> RefreshOutcome:
    """Rotates a refresh token. A token rotated less than the grace window ago may be used again
    (two tabs refreshing at once); later, reuse means theft and revokes the whole session."""
    token = tokens.parse(value, kind=REFRESH_KIND)
    if token is None:
        return RefreshOutcome(None)
    await _bind_tenant(session, token.organization_id, None)
    row = await session.execute(
        select(RefreshToken, UserSession)
        .join(
            UserSession,
            (UserSession.organization_id == RefreshToken.organization_id)
            & (UserSession.id == RefreshToken.session_id),
        )
        .where(
            RefreshToken.organization_id == token.organization_id,
            RefreshToken.digest == token.digest,
        )
        .with_for_update(of=RefreshToken)
    )
    found = row.first()
    now = datetime.now(UTC)
    if found is None:
        return RefreshOutcome(None)
    stored, login = found
    if login.revoked_at is not None or login.expires_at <= now:
        return RefreshOutcome(None)
    if stored.rotated_at is not None and now - stored.rotated_at > timedelta(
        seconds=settings.refresh_grace_s
    ):
        await revoke_sessions(session, token.organization_id, [login.id], reason="token_reuse")
        return RefreshOutcome(None, reused=True)
    user = await find_live_user(session, login.organization_id, login.user_id)
    if user is None:
        return RefreshOutcome(None)
    context.bind(user_id=user.id)
    await apply_context(session)
    if stored.rotated_at is None:
        stored.rotated_at = now
    login.last_used_at = now
    return RefreshOutcome(await _issue(session, settings, user, login))


async def revoke_sessions(
    session: AsyncSession, organization_id: UUID, session_ids: list[UUID], *, reason: str
) -> int:
    result = await session.execute(
        update(UserSession)
        .where(
            UserSession.organization_id == organization_id,
            UserSession.id.in_(session_ids),
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC), revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult for DML


async def live_session_ids(
    session: AsyncSession, organization_id: UUID, user_id: UUID
) -> list[UUID]:
    rows = await session.scalars(
        select(UserSession.id).where(
            UserSession.organization_id == organization_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
        )
    )
    return list(rows)


async def logout_all(
    session: AsyncSession, principal: Principal, *, reason: str = "logout_all"
) -> int:
    ids = await live_session_ids(session, principal.organization_id, principal.user_id)
    return await revoke_sessions(session, principal.organization_id, ids, reason=reason)


async def list_sessions(session: AsyncSession, principal: Principal) -> list[UserSession]:
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
    return list(rows)


async def change_password(
    session: AsyncSession, settings: AuthSettings, principal: Principal, *, current: str, new: str
) -> None:
    user = await session.get_one(User, principal.user_id)
    if not passwords.verify_password(user.password_hash, current):
        raise ValidationFailed(
            "The current password is wrong.",
            [FieldError("currentPassword", "Does not match.", "mismatch")],
        )
    check_password_policy(settings, new, field="newPassword")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = datetime.now(UTC)
    others = [
        sid
        for sid in await live_session_ids(session, principal.organization_id, user.id)
        if sid != principal.session_id
    ]
    await revoke_sessions(session, principal.organization_id, others, reason="password_changed")
