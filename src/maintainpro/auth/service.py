"""Sign-up, sessions and token rotation (C2, D4, D12). Sign-in itself is `auth/login.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.auth import keys, throttle
from maintainpro.auth.principal import find_live_user
from maintainpro.config import AuthSettings
from maintainpro.core import context, tokens
from maintainpro.core.db import apply_context
from maintainpro.core.errors import (
    Conflict,
    FieldError,
    PermissionDenied,
    TooManyRequests,
    ValidationFailed,
)
from maintainpro.core.timezones import check_timezone
from maintainpro.failure_code import defaults as failure_code_defaults
from maintainpro.models import Organization, RefreshToken, User, UserSession

REFRESH_KIND = "refresh"
BAD_CREDENTIALS = "Invalid email or password."
RATE_WINDOW_S = 60


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


async def count_signup(session: AsyncSession, settings: AuthSettings, ip: str | None) -> int:
    """Counts the attempt against the client's sign-up rate (nothing when sign-up is off)."""
    if not settings.signup_enabled:
        return 0
    return await throttle.hit(session, f"signup:{ip or '-'}")


def check_signup(settings: AuthSettings, *, hits: int, timezone: str, password: str) -> None:
    """Before the password is hashed: whether sign-up is open to this client at all."""
    if not settings.signup_enabled:
        raise PermissionDenied("Sign-up is disabled on this installation.")
    if hits > settings.signup_rate_per_minute:
        raise TooManyRequests("Too many sign-ups; wait a minute.", retry_after_s=RATE_WINDOW_S)
    check_timezone(timezone)
    check_password_policy(settings, password, field="password")


async def signup(
    session: AsyncSession,
    settings: AuthSettings,
    *,
    organization_name: str,
    slug: str,
    timezone: str,
    full_name: str,
    email: str,
    password_hash: str,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    """The password is hashed by the caller, outside the transaction (`check_signup` first)."""
    check_timezone(timezone)
    org_id, user_id = uuid7(), uuid7()
    await _bind_tenant(session, org_id, user_id)
    session.add(Organization(id=org_id, name=organization_name, slug=slug, timezone=timezone))
    user = User(
        id=user_id,
        organization_id=org_id,
        email=email.lower(),
        full_name=full_name,
        role="admin",
        password_hash=password_hash,
        password_changed_at=datetime.now(UTC),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("That email address or organization slug is already registered.") from exc
    await failure_code_defaults.load(session, org_id, user_id)
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


async def refresh(session: AsyncSession, settings: AuthSettings, value: str) -> IssuedTokens | None:
    """Rotates a refresh token. A token rotated less than the grace window ago may be used again
    (two tabs refreshing at once); later, reuse means theft and revokes the whole session."""
    token = tokens.parse(value, kind=REFRESH_KIND)
    if token is None:
        return None
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
        return None
    stored, login = found
    if login.revoked_at is not None or login.expires_at <= now:
        return None
    if stored.rotated_at is not None and now - stored.rotated_at > timedelta(
        seconds=settings.refresh_grace_s
    ):
        await revoke_sessions(session, token.organization_id, [login.id], reason="token_reuse")
        return None
    user = await find_live_user(session, login.organization_id, login.user_id)
    if user is None:
        return None
    context.bind(user_id=user.id)
    await apply_context(session)
    if stored.rotated_at is None:
        stored.rotated_at = now
    login.last_used_at = now
    return await _issue(session, settings, user, login)


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
