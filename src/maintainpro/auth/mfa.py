"""TOTP second factor with one-time backup codes (C2). Secrets are encrypted at rest (D12).

A TOTP code is accepted once: the user row keeps the last accepted time step
(`users.mfa_last_step`), and a code is taken only for a later step, by one conditional UPDATE,
so a replayed code (even by two requests at once) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from maintainpro.auth import keys, passwords
from maintainpro.config import AuthSettings
from maintainpro.core.errors import FieldError, InvalidState, Unauthenticated, ValidationFailed
from maintainpro.models import MfaBackupCode, User

BACKUP_CODES = 10
DRIFT_STEPS = 1  # a code of the previous or next 30-second step is accepted too
_CLAIM_STEP = text(
    "UPDATE users SET mfa_last_step = :step WHERE organization_id = :org AND id = :user"
    " AND (mfa_last_step IS NULL OR mfa_last_step < :step) RETURNING id"
)


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


def _matching_step(totp: pyotp.TOTP, code: str) -> int | None:
    current = totp.timecode(datetime.now(UTC))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def _claim_totp(session: AsyncSession, settings: AuthSettings, user: User, code: str) -> bool:
    """True once per time step: the step is recorded, and an equal or earlier one refused."""
    step = _matching_step(_totp(settings, user), code)
    if step is None:
        return False
    claimed = await session.scalar(
        _CLAIM_STEP, {"step": step, "org": user.organization_id, "user": user.id}
    )
    if claimed is None:
        return False
    set_committed_value(user, "mfa_last_step", step)
    return True


async def confirm_enrolment(
    session: AsyncSession, settings: AuthSettings, user: User, code: str
) -> list[str]:
    if user.mfa_enabled:
        raise InvalidState("Multi-factor authentication is already enabled.")
    if not await _claim_totp(session, settings, user, code):
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
    if not await passwords.verify_in_thread(user.password_hash, password):
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
        return await _claim_totp(session, settings, user, code)
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


async def renew_backup_codes(
    session: AsyncSession, settings: AuthSettings, user: User, code: str
) -> list[str]:
    if not user.mfa_enabled:
        raise InvalidState("Multi-factor authentication is not enabled.")
    if not await verify(session, settings, user, code):
        raise ValidationFailed(
            "A current code is required to renew the backup codes.",
            [FieldError("code", "Does not match.", "mismatch")],
        )
    return await new_backup_codes(session, user)


async def require_second_factor(
    session: AsyncSession, settings: AuthSettings, user: User, code: str | None
) -> None:
    if not user.mfa_enabled:
        return
    if not code:
        raise MfaRequired("This account needs a code from its authenticator app (`mfaCode`).")
    if not await verify(session, settings, user, code):
        raise Unauthenticated("The code is wrong.")
