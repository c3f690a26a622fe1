"""TOTP second factor with one-time backup codes (C2). Secrets are encrypted at rest (D12)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import keys, passwords
from maintainpro.config import AuthSettings
from maintainpro.core.errors import FieldError, InvalidState, Unauthenticated, ValidationFailed
from maintainpro.models import MfaBackupCode, User

BACKUP_CODES = 10


class MfaRequired(Unauthenticated):
    code = "mfa_required"
    title = "Second factor required"


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def _totp(settings: AuthSettings, user: User) -> pyotp.TOTP:
    if user.mfa_secret_encrypted is None:
        raise InvalidState("Multi-factor authentication has not been set up.")
    return pyotp.TOTP(keys.decrypt(settings, user.mfa_secret_encrypted))


def begin_enrolment(settings: AuthSettings, user: User, *, issuer: str) -> tuple[str, str]:
    """Stores a new, not yet active secret; returns it with its otpauth:// URI (for a QR code)."""
    if user.mfa_enabled:
        raise InvalidState("Multi-factor authentication is already enabled.")
    secret = pyotp.random_base32()
    user.mfa_secret_encrypted = keys.encrypt(settings, secret)
    return secret, pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


async def confirm_enrolment(
    session: AsyncSession, settings: AuthSettings, user: User, code: str
) -> list[str]:
    if user.mfa_enabled:
        raise InvalidState("Multi-factor authentication is already enabled.")
    if not _totp(settings, user).verify(code, valid_window=1):
        raise ValidationFailed(
            "The code is wrong.", [FieldError("code", "Does not match.", "mismatch")]
        )
    user.mfa_enabled = True
    return await new_backup_codes(session, user)


async def new_backup_codes(session: AsyncSession, user: User) -> list[str]:
    await session.execute(
        update(MfaBackupCode)
        .where(
            MfaBackupCode.organization_id == user.organization_id,
            MfaBackupCode.user_id == user.id,
            MfaBackupCode.used_at.is_(None),
        )
        .values(used_at=datetime.now(UTC))
    )
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(BACKUP_CODES)]
    session.add_all(
        MfaBackupCode(organization_id=user.organization_id, user_id=user.id, digest=_digest(c))
        for c in codes
    )
    await session.flush()
    return codes


async def disable(
    session: AsyncSession, settings: AuthSettings, user: User, *, password: str, code: str
) -> None:
    if not user.mfa_enabled:
        raise InvalidState("Multi-factor authentication is not enabled.")
    if not passwords.verify_password(user.password_hash, password):
        raise ValidationFailed(
            "The password is wrong.", [FieldError("password", "Does not match.", "mismatch")]
        )
    if not await verify(session, settings, user, code):
        raise ValidationFailed(
            "The code is wrong.", [FieldError("code", "Does not match.", "mismatch")]
        )
    user.mfa_enabled = False
    user.mfa_secret_encrypted = None


async def verify(session: AsyncSession, settings: AuthSettings, user: User, code: str) -> bool:
    """A current TOTP code, or an unused backup code (which is then spent)."""
    if code.isdigit() and len(code) == 6:
        return _totp(settings, user).verify(code, valid_window=1)
    backup = await session.scalar(
        select(MfaBackupCode)
        .where(
            MfaBackupCode.organization_id == user.organization_id,
            MfaBackupCode.user_id == user.id,
            MfaBackupCode.digest == _digest(code),
            MfaBackupCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if backup is None:
        return False
    backup.used_at = datetime.now(UTC)
    return True


async def require_second_factor(
    session: AsyncSession, settings: AuthSettings, user: User, code: str | None
) -> None:
    if not user.mfa_enabled:
        return
    if not code:
        raise MfaRequired("This account needs a code from its authenticator app (`mfaCode`).")
    if not await verify(session, settings, user, code):
        raise Unauthenticated("The code is wrong.")
