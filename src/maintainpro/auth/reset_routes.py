"""/api/v1/auth/password-reset: forgotten passwords, by a mailed single-use link (C2)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Response, status
from pydantic import EmailStr, Field

from maintainpro.auth import reset, throttle
from maintainpro.auth.schemas import Password
from maintainpro.core import context
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.errors import TooManyRequests
from maintainpro.core.schemas import ReadSchema, WriteSchema

router = APIRouter(prefix="/auth", tags=["auth"])
RATE_WINDOW_S = 60
ACCEPTED = "If an account uses that address, a link to reset its password is on its way."


class PasswordResetRequest(WriteSchema):
    email: EmailStr


class PasswordResetConfirm(WriteSchema):
    token: str = Field(min_length=1, max_length=300)
    new_password: Password


class PasswordResetAccepted(ReadSchema):
    detail: str = ACCEPTED


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(
    body: PasswordResetRequest,
    background: BackgroundTasks,
    session: DbSession,
    settings: AppSettings,
) -> PasswordResetAccepted:
    """The same answer whether or not the account exists, so addresses cannot be probed."""
    # Per client and before any lookup, so a refusal says nothing about the address.
    hits = await throttle.hit(session, f"password-reset:{context.current().client_ip or '-'}")
    if hits > settings.auth.login_rate_per_minute:
        raise TooManyRequests(
            "Too many reset requests; wait a minute.", retry_after_s=RATE_WINDOW_S
        )
    issued = await reset.request_reset(session, settings.auth, body.email)
    if issued is not None:
        # Background tasks run after the commit and the response: the mail never carries an
        # uncommitted token, and its delivery time never shows in the response time.
        message = reset.reset_message(
            settings.mail, issued, ttl_s=settings.auth.password_reset_ttl_s
        )
        background.add_task(reset.deliver, settings.mail, message, issued.user_id)
    return PasswordResetAccepted()


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
async def confirm_password_reset(
    body: PasswordResetConfirm, session: DbSession, settings: AppSettings
) -> Response:
    await reset.confirm_reset(session, settings.auth, body.token, new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
