"""Password reset by a single-use, expiring token sent by mail (C2, D4).

Only the token's digest is stored; the token itself exists in the mail and nowhere else (never
in a response, never in a log line).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlencode
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import passwords
from maintainpro.auth import service as auth_service
from maintainpro.auth.principal import find_live_user
from maintainpro.config import AuthSettings, MailSettings
from maintainpro.core import context, tokens
from maintainpro.core.db import apply_context
from maintainpro.core.errors import FieldError, ValidationFailed
from maintainpro.core.logging import get_logger
from maintainpro.mail.sender import build_sender
from maintainpro.models import PasswordResetToken

RESET_KIND = "reset"

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class IssuedReset:
    email: str
    user_id: UUID
    token: tokens.OpaqueToken


def _invalid_token() -> ValidationFailed:
    # One answer for malformed, unknown, expired and used tokens: nothing to probe.
    return ValidationFailed(
        "The reset link is invalid or has expired; request a new one.",
        [FieldError("token", "Invalid, expired or already used.", "invalid_token")],
    )


async def request_reset(
    session: AsyncSession, settings: AuthSettings, email: str
) -> IssuedReset | None:
    """Issues a token for a live, active account; None (and nothing stored) otherwise. Unused
    earlier tokens stop working, so only the latest mail's link is valid."""
    user = await auth_service.resolve_login(session, email)
    if user is None or not user.is_active:
        return None
    now = datetime.now(UTC)
    await session.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.organization_id == user.organization_id,
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = tokens.issue(RESET_KIND, user.organization_id)
    session.add(
        PasswordResetToken(
            organization_id=user.organization_id,
            user_id=user.id,
            digest=token.digest,
            expires_at=now + timedelta(seconds=settings.password_reset_ttl_s),
        )
    )
    await session.flush()
    log.info("auth.password_reset.requested", target_user_id=str(user.id))
    return IssuedReset(user.email, user.id, token)


def reset_message(settings: MailSettings, issued: IssuedReset, *, ttl_s: int) -> EmailMessage:
    query = urlencode({"token": str(issued.token)})
    link = f"{settings.public_url.rstrip('/')}/reset-password?{query}"
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = issued.email
    message["Subject"] = "Reset your MaintAInPro password"
    message.set_content(
        "Someone asked to reset the password of your MaintAInPro account.\n\n"
        f"To choose a new password, open this link within {ttl_s // 60} minutes:\n\n"
        f"{link}\n\n"
        "If it was not you, ignore this mail: your password stays as it is.\n"
    )
    return message


async def deliver(settings: MailSettings, message: EmailMessage, user_id: UUID) -> None:
    """Runs after the response: a mail failure (or mail misconfiguration) must not tell the
    caller that the account exists."""
    try:
        await build_sender(settings).send(message)
    except Exception as exc:  # any transport failure; the user may simply ask again
        # The type only: a transport error may quote the message, and the message holds the token.
        log.error(
            "auth.password_reset.mail_failed",
            target_user_id=str(user_id),
            error=type(exc).__name__,
        )


async def _claim(session: AsyncSession, token: tokens.OpaqueToken) -> PasswordResetToken:
    """The live stored token, locked so two concurrent confirmations cannot both use it."""
    context.bind(organization_id=token.organization_id)
    await apply_context(session)
    stored = await session.scalar(
        select(PasswordResetToken)
        .where(
            PasswordResetToken.organization_id == token.organization_id,
            PasswordResetToken.digest == token.digest,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > datetime.now(UTC),
        )
        .with_for_update()
    )
    if stored is None:
        raise _invalid_token()
    return stored


async def confirm_reset(
    session: AsyncSession, settings: AuthSettings, value: str, *, new_password: str
) -> None:
    token = tokens.parse(value, kind=RESET_KIND)
    if token is None:
        raise _invalid_token()
    stored = await _claim(session, token)
    auth_service.check_password_policy(settings, new_password, field="newPassword")
    user = await find_live_user(session, stored.organization_id, stored.user_id)
    if user is None:
        raise _invalid_token()
    # Holding the mailed token proves control of the account: the change is the user's own.
    context.bind(user_id=user.id)
    await apply_context(session)
    now = datetime.now(UTC)
    user.password_hash = await passwords.hash_in_thread(new_password)
    user.password_changed_at = now
    stored.used_at = now
    live = await auth_service.live_session_ids(session, user.organization_id, user.id)
    await auth_service.revoke_sessions(session, user.organization_id, live, reason="password_reset")
    await session.flush()
    log.info("auth.password_reset.completed", revoked_sessions=len(live))
