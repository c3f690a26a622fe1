"""/api/v1/auth: sign-up, sign-in, tokens, the caller's own account and sessions.

Sign-up, sign-in and refresh precede any principal. Everything else is account self-service,
reached only by an interactive session (`InteractiveSession`): an API key gets 403.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import account, login, mfa, passwords
from maintainpro.auth import service as auth_service
from maintainpro.auth.captcha import CaptchaRequired
from maintainpro.auth.deps import Captcha, InteractiveSession
from maintainpro.auth.schemas import (
    BackupCodes,
    LoginRequest,
    MeUpdate,
    MfaCode,
    MfaDisable,
    MfaEnrolment,
    PasswordChange,
    RefreshRequest,
    SessionRead,
    SignupRequest,
    TokenPair,
)
from maintainpro.core import context
from maintainpro.core.db import transaction
from maintainpro.core.deps import AppDatabase, AppSettings, DbSession
from maintainpro.core.errors import Unauthenticated
from maintainpro.user import service as user_service
from maintainpro.user.schemas import UserRead

router = APIRouter(prefix="/auth", tags=["auth"])


def _client(request: Request) -> tuple[str | None, str | None]:
    return context.current().client_ip, request.headers.get("user-agent")


async def _token_pair(session: AsyncSession, issued: auth_service.IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=await user_service.read(session, issued.user),
    )


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def signup(
    body: SignupRequest, request: Request, database: AppDatabase, settings: AppSettings
) -> TokenPair:
    ip, agent = _client(request)
    # Counted in a transaction of its own, so a failed sign-up still counts.
    async with transaction(database.sessions) as session:
        hits = await auth_service.count_signup(session, settings.auth, ip)
    auth_service.check_signup(
        settings.auth, hits=hits, timezone=body.timezone, password=body.password
    )
    password_hash = await passwords.hash_in_thread(body.password)
    async with transaction(database.sessions) as session:
        issued = await auth_service.signup(
            session,
            settings.auth,
            organization_name=body.organization_name,
            slug=body.organization_slug,
            timezone=body.timezone,
            full_name=body.full_name,
            email=body.email,
            password_hash=password_hash,
            ip=ip,
            user_agent=agent,
        )
        return await _token_pair(session, issued)


@router.post("/login")
async def sign_in(
    body: LoginRequest,
    request: Request,
    database: AppDatabase,
    settings: AppSettings,
    captcha: Captcha,
) -> TokenPair:
    ip, agent = _client(request)
    async with transaction(database.sessions) as session:
        attempt = await login.begin(session, body.email, ip)
    login.admit(settings.auth, attempt)
    try:
        password_hash = await login.check_password(
            settings.auth, attempt, body.password, captcha=captcha, captcha_token=body.captcha_token
        )
        async with transaction(database.sessions) as session:
            issued = await login.finish(
                session,
                settings.auth,
                attempt,
                password_hash=password_hash,
                mfa_code=body.mfa_code,
                ip=ip,
                user_agent=agent,
            )
            return await _token_pair(session, issued)
    except (mfa.MfaRequired, CaptchaRequired):
        raise
    except Unauthenticated:
        async with transaction(database.sessions) as session:
            await login.fail(session, settings.auth, attempt)
        raise


@router.post("/refresh")
async def refresh(body: RefreshRequest, database: AppDatabase, settings: AppSettings) -> TokenPair:
    async with transaction(database.sessions) as session:
        issued = await auth_service.refresh(session, settings.auth, body.refresh_token)
        pair = await _token_pair(session, issued) if issued else None
    if pair is None:
        raise Unauthenticated("The refresh token is invalid, expired or revoked.")
    return pair


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: InteractiveSession, session: DbSession) -> Response:
    await account.logout(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(principal: InteractiveSession, session: DbSession) -> Response:
    await account.logout_all(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(principal: InteractiveSession, session: DbSession) -> UserRead:
    return await user_service.read(session, await account.get_me(session, principal))


@router.patch("/me")
async def update_me(body: MeUpdate, principal: InteractiveSession, session: DbSession) -> UserRead:
    return await user_service.read(session, await account.update_me(session, principal, body))


@router.get("/sessions")
async def sessions(principal: InteractiveSession, session: DbSession) -> list[SessionRead]:
    return await account.list_sessions(session, principal)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_session(
    session_id: UUID, principal: InteractiveSession, session: DbSession
) -> Response:
    await account.revoke_session(session, principal, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange, principal: InteractiveSession, session: DbSession, settings: AppSettings
) -> Response:
    await account.change_password(
        session, settings.auth, principal, current=body.current_password, new=body.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/mfa/enrol")
async def mfa_enrol(
    principal: InteractiveSession, session: DbSession, settings: AppSettings
) -> MfaEnrolment:
    user = await account.get_me(session, principal)
    secret, uri = mfa.begin_enrolment(settings.auth, user, issuer=settings.auth.issuer)
    await session.flush()
    return MfaEnrolment(otpauth_uri=uri, secret=secret)


@router.post("/mfa/confirm")
async def mfa_confirm(
    body: MfaCode, principal: InteractiveSession, session: DbSession, settings: AppSettings
) -> BackupCodes:
    user = await account.get_me(session, principal)
    return BackupCodes(
        backup_codes=await mfa.confirm_enrolment(session, settings.auth, user, body.code)
    )


@router.post("/mfa/backup-codes")
async def mfa_backup_codes(
    body: MfaCode, principal: InteractiveSession, session: DbSession, settings: AppSettings
) -> BackupCodes:
    user = await account.get_me(session, principal)
    return BackupCodes(
        backup_codes=await mfa.renew_backup_codes(session, settings.auth, user, body.code)
    )


@router.post("/mfa/disable", status_code=status.HTTP_204_NO_CONTENT)
async def mfa_disable(
    body: MfaDisable, principal: InteractiveSession, session: DbSession, settings: AppSettings
) -> Response:
    user = await account.get_me(session, principal)
    await mfa.disable(session, settings.auth, user, password=body.password, code=body.code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
