"""Route dependencies: the principal, and permission gates declared per route.

Every authenticated route takes exactly one of these gates:
- `permission(resource, action)`: the permission matrix, narrowed for an API key to its scopes
  (`Principal.scope`);
- `InteractiveSession`: the caller's own account (profile, sessions, password, MFA), which only
  a signed-in person reaches; an API key is refused with 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from maintainpro.auth.captcha import CaptchaVerifier, accept_all
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized, Principal, authenticate
from maintainpro.config import Settings
from maintainpro.core.deps import DbSession
from maintainpro.core.errors import PermissionDenied


async def current_principal(request: Request, session: DbSession) -> Principal:
    # The settings from the application state, not a dependency: one resolution less per
    # request on every authenticated route.
    settings: Settings = request.app.state.settings
    return await authenticate(session, settings.auth, request.headers.get("authorization"))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def interactive_session(principal: CurrentPrincipal) -> Principal:
    if not principal.is_interactive:
        raise PermissionDenied("An API key cannot manage the account; sign in as a user.")
    return principal


InteractiveSession = Annotated[Principal, Depends(interactive_session)]


def permission(resource: Resource, action: Action) -> Callable[[Principal], Awaitable[Authorized]]:
    async def check(principal: CurrentPrincipal) -> Authorized:
        scope = principal.scope(resource, action)
        if scope is None:
            raise PermissionDenied(f"Your role may not {action} {resource.replace('_', ' ')}s.")
        return Authorized(principal, scope)

    return check


def captcha_verifier() -> CaptchaVerifier:
    """The CAPTCHA hook of sign-in (`auth/captcha.py`); deployments override this dependency."""
    return accept_all


Captcha = Annotated[CaptchaVerifier, Depends(captcha_verifier)]
