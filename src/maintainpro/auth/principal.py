"""Who is calling: a bearer access token (JWT naming a live session) or an API key (D4)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.auth import keys
from maintainpro.auth.permissions import (
    SESSION_ONLY,
    Action,
    Resource,
    Scope,
    key_scopes_of,
    scope_for,
)
from maintainpro.config import AuthSettings
from maintainpro.core import context, prepared, tokens
from maintainpro.core.db import PRINCIPAL_CHECK, PRINCIPAL_CHECKED, apply_context
from maintainpro.core.errors import Unauthenticated
from maintainpro.models import ApiKey, User, UserSession, UserSite

API_KEY_KIND = "apikey"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # API key use is recorded at most once a minute


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: UUID
    organization_id: UUID
    role: str
    site_ids: frozenset[UUID]
    session_id: UUID | None = None
    api_key_id: UUID | None = None
    # An API key acts for its owner, narrowed to "resource:action" scopes.
    api_scopes: frozenset[str] | None = None

    @property
    def is_interactive(self) -> bool:
        """A signed-in person (a session), as opposed to an integration holding an API key."""
        return self.api_key_id is None

    def scope(self, resource: Resource, action: Action) -> Scope | None:
        """The one permission rule: the role's grant, narrowed for an API key to its scopes,
        and never a session-only resource for a key."""
        granted = scope_for(self.role, resource, action)
        if self.is_interactive:
            return granted
        if resource in SESSION_ONLY or f"{resource}:{action}" not in (self.api_scopes or ()):
            return None
        return granted

    def covers_role(self, role: str) -> bool:
        """Whether this principal may hand out (or manage a holder of) `role`: a person by the
        grantable-roles table alone, a key only for roles that can do no more than its scopes."""
        return self.is_interactive or key_scopes_of(role) <= (self.api_scopes or frozenset())


@dataclass(frozen=True, slots=True)
class Authorized:
    """The principal plus the scope a route's permission grants it: what services receive."""

    principal: Principal
    scope: Scope


def acting_for(user_id: UUID, organization_id: UUID) -> Authorized:
    """The worker acting for the person who set it up (a PM schedule's or an escalation rule's
    last editor): with every grant, so the work is done whoever edited it last."""
    principal = Principal(
        user_id=user_id, organization_id=organization_id, role="admin", site_ids=frozenset()
    )
    return Authorized(principal, Scope.ALL)


def _sites_of(user: type[User]) -> ColumnElement[list[UUID]]:
    return func.array(
        select(UserSite.location_id)
        .where(UserSite.organization_id == user.organization_id, UserSite.user_id == user.id)
        .correlate(user)
        .scalar_subquery()
    )


def _user_may_act() -> tuple[ColumnElement[bool], ...]:
    return User.deleted_at.is_(None), User.is_active.is_(True)


# Authentication: the first request of a session (or key) in this process runs one statement,
# compiled once and run on the driver (core/prepared.py): the session (or key) is live, the
# user may act, their role and site ids. Its later requests send the principal remembered with
# their BEGIN and tenant settings, in the same round trip, and a function (revision 0029)
# raises when the database no longer agrees; they then run the statement again. Nothing is
# trusted across requests: logout, revocation, a role, site or scope change and deactivation
# take effect on the very next request, in every process.
_SESSION_PRINCIPAL = prepared.prepare(
    select(User.role, _sites_of(User).label("site_ids"))
    .join_from(
        UserSession,
        User,
        (User.organization_id == UserSession.organization_id) & (User.id == UserSession.user_id),
    )
    .where(
        UserSession.organization_id == bindparam("org"),
        UserSession.id == bindparam("sid"),
        UserSession.user_id == bindparam("uid"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now"),
        *_user_may_act(),
    )
)
_KEY_PRINCIPAL = prepared.prepare(
    select(
        ApiKey.id,
        ApiKey.user_id,
        ApiKey.scopes,
        ApiKey.last_used_at,
        User.role,
        _sites_of(User).label("site_ids"),
    )
    .join_from(
        ApiKey,
        User,
        (User.organization_id == ApiKey.organization_id) & (User.id == ApiKey.user_id),
    )
    .where(
        ApiKey.organization_id == bindparam("org"),
        ApiKey.digest == bindparam("digest"),
        ApiKey.revoked_at.is_(None),
        (ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > bindparam("now")),
        *_user_may_act(),
    )
)
_TOUCH_KEY = (
    update(ApiKey)
    .where(ApiKey.organization_id == bindparam("org"), ApiKey.id == bindparam("key"))
    .values(last_used_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Known:
    """A principal this process read, with the check that confirms it (SQL and its trace)."""

    principal: Principal
    check: tuple[str, str]
    touch_after: datetime = _NEVER  # a key's use is recorded again from then on


_SESSIONS: dict[tuple[UUID, UUID, UUID], _Known] = {}  # (org, session, user)
_KEYS: dict[tuple[UUID, str], _Known] = {}  # (org, digest)
_KNOWN_MAX = 10_000
_Key = TypeVar("_Key")
_SAFE = re.compile(r"[A-Za-z0-9_:]{1,64}")  # a role or scope that may be inlined as it is


def _text(value: object) -> str:
    assert isinstance(value, str)
    return value


def _uuid(value: object) -> UUID:
    assert isinstance(value, UUID)
    return value


def _ids(value: object) -> frozenset[UUID]:
    return frozenset(value) if isinstance(value, list) else frozenset()


async def _bind(session: AsyncSession, organization_id: UUID, user_id: UUID | None) -> None:
    """The caller's tenant and user; before the transaction's first statement this costs no
    round trip (that statement carries them)."""
    context.bind(organization_id=organization_id, user_id=user_id)
    await apply_context(session)


async def find_live_user(
    session: AsyncSession, organization_id: UUID, user_id: UUID
) -> User | None:
    """The user if they may act: not deleted, not deactivated."""
    return await session.scalar(
        select(User)
        .where(User.organization_id == organization_id, User.id == user_id)
        .where(*_user_may_act())
    )


def _array(values: Iterable[object]) -> str:
    return "{" + ",".join(str(value) for value in values) + "}"


def _session_check(principal: Principal) -> tuple[str, str] | None:
    """The inlined call confirming a session principal; None when a value may not be inlined
    (UUIDs print safely, a role is checked against a plain alphabet)."""
    if not _SAFE.fullmatch(principal.role):
        return None
    sql = (
        f"SELECT app.require_session_principal('{principal.organization_id}',"
        f" '{principal.session_id}', '{principal.user_id}', '{principal.role}',"
        f" '{_array(sorted(principal.site_ids))}')"
    )
    return sql, "SELECT app.require_session_principal(?, ?, ?, ?, ?)"


def _key_check(principal: Principal, digest: str, scopes: list[str]) -> tuple[str, str] | None:
    if not all(_SAFE.fullmatch(value) for value in (principal.role, digest, *scopes)):
        return None
    sql = (
        f"SELECT app.require_key_principal('{principal.organization_id}', '{digest}',"
        f" '{principal.api_key_id}', '{principal.user_id}', '{principal.role}',"
        f" '{_array(sorted(principal.site_ids))}', '{_array(scopes)}')"
    )
    return sql, "SELECT app.require_key_principal(?, ?, ?, ?, ?, ?, ?)"


def _remember(known: dict[_Key, _Known], key: _Key, entry: _Known) -> None:
    if len(known) >= _KNOWN_MAX:
        known.clear()
    known[key] = entry


async def _confirmed(session: AsyncSession, known: _Known) -> bool:
    """Whether the database still agrees with a remembered principal: checked in the round trip
    that begins the transaction. False also when that trip could not carry the check (the
    transaction had begun, or took the ordinary way); the caller then reads the principal."""
    info = session.sync_session.info
    info[PRINCIPAL_CHECK] = known.check
    try:
        await prepared.begin(session)
    finally:
        info.pop(PRINCIPAL_CHECK, None)
    return info.pop(PRINCIPAL_CHECKED, None) is known.check


async def from_access_token(session: AsyncSession, settings: AuthSettings, token: str) -> Principal:
    claims = keys.read_access_token(settings, token)
    org, user_id, session_id = UUID(claims["org"]), UUID(claims["sub"]), UUID(claims["sid"])
    await _bind(session, org, user_id)
    key = (org, session_id, user_id)
    known = _SESSIONS.get(key)
    if known is not None and await _confirmed(session, known):
        return known.principal
    params = {"org": org, "sid": session_id, "uid": user_id, "now": datetime.now(UTC)}
    row = await prepared.fetchrow(session, _SESSION_PRINCIPAL, params)
    if row is None:
        _SESSIONS.pop(key, None)
        raise Unauthenticated("The session has ended, or the account is not active.")
    principal = Principal(user_id, org, _text(row["role"]), _ids(row["site_ids"]), session_id)
    check = _session_check(principal)
    if check is not None:
        _remember(_SESSIONS, key, _Known(principal, check))
    return principal


async def from_api_key(session: AsyncSession, value: str) -> Principal:
    token = tokens.parse(value, kind=API_KEY_KIND)
    if token is None:
        raise Unauthenticated("The API key is invalid.")
    org, now = token.organization_id, datetime.now(UTC)
    key = (org, token.digest)
    known = _KEYS.get(key)
    # A key's owner never changes: the tenant settings carry the user id from the start.
    await _bind(session, org, known.principal.user_id if known else None)
    if known is not None and now < known.touch_after and await _confirmed(session, known):
        return known.principal
    params = {"org": org, "digest": token.digest, "now": now}
    row = await prepared.fetchrow(session, _KEY_PRINCIPAL, params)
    if row is None:
        _KEYS.pop(key, None)
        raise Unauthenticated("The API key is invalid or expired, or its owner is not active.")
    key_id, owner, last_used = _uuid(row["id"]), _uuid(row["user_id"]), row["last_used_at"]
    await _bind(session, org, owner)
    if not isinstance(last_used, datetime) or now - last_used > LAST_USED_RESOLUTION:
        await session.execute(_TOUCH_KEY, {"org": org, "key": key_id, "now": now})
        last_used = now
    scopes = [str(s) for s in row["scopes"]] if isinstance(row["scopes"], list) else []
    principal = Principal(
        owner,
        org,
        _text(row["role"]),
        _ids(row["site_ids"]),
        api_key_id=key_id,
        api_scopes=frozenset(scopes),
    )
    check = _key_check(principal, token.digest, scopes)
    if check is not None:
        _remember(_KEYS, key, _Known(principal, check, last_used + LAST_USED_RESOLUTION))
    return principal


async def authenticate(
    session: AsyncSession, settings: AuthSettings, authorization: str | None
) -> Principal:
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise Unauthenticated("Send `Authorization: Bearer <access token or API key>`.")
    if credential.startswith(f"mp_{API_KEY_KIND}_"):
        return await from_api_key(session, credential.strip())
    return await from_access_token(session, settings, credential.strip())
