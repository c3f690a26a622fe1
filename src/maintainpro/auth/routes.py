"""/api/v1/auth: sign-up, sign-in, tokens, the caller's own account and sessions."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import mfa, throttle
from maintainpro.auth import service as auth_service
from maintainpro.auth.deps import CurrentPrincipal
from maintainpro.auth.principal import Principal
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
from maintainpro.config import Settings
from maintainpro.core import context
from maintainpro.core.db import transaction
from maintainpro.core.deps import AppDatabase, AppSettings, DbSession
from maintainpro.core.errors import (
    AccountLocked,
    InvalidState,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    Unauthenticated,
)
from maintainpro.models import User
from maintainpro.user import service as user_service
from maintainpro.user.schemas import UserRead

router = APIRouter(prefix="/auth", tags=["auth"])
RATE_WINDOW_S = 60


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
    body: SignupRequest, request: Request, session: DbSession, settings: AppSettings
) -> TokenPair:
    if not settings.auth.signup_enabled:
        raise PermissionDenied("Sign-up is disabled on this installation.")
    ip, agent = _client(request)
    issued = await auth_service.signup(
        session,
        settings.auth,
        organization_name=body.organization_name,
        slug=body.organization_slug,
        timezone=body.timezone,
        full_name=body.full_name,
        email=body.email,
        password=body.password,
        ip=ip,
        user_agent=agent,
    )
    return await _token_pair(session, issued)


async def _guard_login(database: AppDatabase, settings: Settings, key: str, ip: str | None) -> None:
    async with transaction(database.sessions) as session:
        hits = await throttle.hit(session, f"login:{ip or '-'}")
        locked = await throttle.locked_for(session, key)
    if hits > settings.auth.login_rate_per_minute:
        raise TooManyRequests(
            "Too many sign-in attempts; wait a minute.", retry_after_s=RATE_WINDOW_S
        )
    if locked is not None:
        raise AccountLocked(
            "Too many failed sign-ins for this account; try again later.",
            retry_after_s=int(locked.total_seconds()) + 1,
        )


@router.post("/login")
async def login(
    body: LoginRequest, request: Request, database: AppDatabase, settings: AppSettings
) -> TokenPair:
    ip, agent = _client(request)
    key = throttle.account_key(body.email, ip)
    await _guard_login(database, settings, key, ip)
    try:
        async with transaction(database.sessions) as session:
            user = await auth_service.verify_credentials(session, body.email, body.password)
            await mfa.require_second_factor(session, settings.auth, user, body.mfa_code)
            issued = await auth_service.finish_login(
                session, settings.auth, user, ip=ip, user_agent=agent
            )
            await throttle.clear(session, key)
            return await _token_pair(session, issued)
    except mfa.MfaRequired:
        raise
    except Unauthenticated:
        async with transaction(database.sessions) as session:
            await throttle.record_failure(session, settings.auth, key)
        raise


@router.post("/refresh")
async def refresh(body: RefreshRequest, database: AppDatabase, settings: AppSettings) -> TokenPair:
    async with transaction(database.sessions) as session:
        outcome = await auth_service.refresh(session, settings.auth, body.refresh_token)
        pair = await _token_pair(session, outcome.tokens) if outcome.tokens else None
    if pair is None:
        raise Unauthenticated("The refresh token is invalid, expired or revoked.")
    return pair


def _own_session(principal: Principal) -> UUID:
    if principal.session_id is None:
        raise InvalidState("API keys have no session; revoke the key instead.")
    return principal.session_id


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentPrincipal, session: DbSession) -> Response:
    await auth_service.revoke_sessions(
        session, principal.organization_id, [_own_session(principal)], reason="logout"
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(principal: CurrentPrincipal, session: DbSession) -> Response:
    await auth_service.logout_all(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(principal: CurrentPrincipal, session: DbSession) -> UserRead:
    return await user_service.read(session, await session.get_one(User, principal.user_id))


@router.patch("/me")
async def update_me(body: MeUpdate, principal: CurrentPrincipal, session: DbSession) -> UserRead:
    user = await session.get_one(User, principal.user_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            raise InvalidState(f"`{name}` cannot be cleared.")
        setattr(user, name, value)
    await session.flush()
    return await user_service.read(session, user)


@router.get("/sessions")
async def sessions(principal: CurrentPrincipal, session: DbSession) -> list[SessionRead]:
    rows = await auth_service.list_sessions(session, principal)
    return [
        SessionRead.model_validate(row).model_copy(
            update={"current": row.id == principal.session_id}
        )
        for row in rows
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_session(
    session_id: UUID, principal: CurrentPrincipal, session: DbSession
) -> Response:
    own = await auth_service.live_session_ids(session, principal.organization_id, principal.user_id)
    if session_id not in own:
        raise NotFound("No such session.")
    await auth_service.revoke_sessions(
        session, principal.organization_id, [session_id], reason="revoked"
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange, principal: CurrentPrincipal, session: DbSession, settings: AppSettings
) -> Response:
    await auth_service.change_password(
        session, settings.auth, principal, current=body.current_password, new=body.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/mfa/enrol")
async def mfa_enrol(
    principal: CurrentPrincipal, session: DbSession, settings: AppSettings
) -> MfaEnrolment:
    user = await session.get_one(User, principal.user_id)
    secret, uri = mfa.begin_enrolment(settings.auth, user, issuer=settings.auth.issuer)
    await session.flush()
    return MfaEnrolment(otpauth_uri=uri, secret=secret)


@router.post("/mfa/confirm")
async def mfa_confirm(
    body: MfaCode, principal: CurrentPrincipal, session: DbSession, settings: AppSettings
) -> BackupCodes:
    user = await session.get_one(User, principal.user_id)
    return BackupCodes(
        backup_codes=await mfa.confirm_enrolment(session, settings.auth, user, body.code)
    )


@router.post("/mfa/backup-codes")
async def mfa_backup_codes(
    body: MfaCode, principal: CurrentPrincipal, session: DbSession, settings: AppSettings
) -> BackupCodes:
    user = await session.get_one(User, principal.user_id)
    if not user.mfa_enabled or not await mfa.verify(session, settings.auth, user, body.code):
        raise Unauthenticated("A current code is required to renew the backup codes.")
    return BackupCodes(backup_codes=await mfa.new_backup_codes(session, user))


@router.post("/mfa/disable", status_code=status.HTTP_204_NO_CONTENT)
async def mfa_disable(
    body: MfaDisable, principal: CurrentPrincipal, session: DbSession, settings: AppSettings
) -> Response:
    user = await session.get_one(User, principal.user_id)
    await mfa.disable(session, settings.auth, user, password=body.password, code=body.code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
