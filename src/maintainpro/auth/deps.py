"""Route dependencies: the principal, and permission gates declared per route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized, Principal, authenticate
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.errors import PermissionDenied


async def current_principal(
    request: Request, session: DbSession, settings: AppSettings
) -> Principal:
    return await authenticate(session, settings.auth, request.headers.get("authorization"))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def permission(resource: Resource, action: Action) -> Callable[[Principal], Awaitable[Authorized]]:
    async def check(principal: CurrentPrincipal) -> Authorized:
        scope = principal.scope(resource, action)
        if scope is None:
            raise PermissionDenied(f"Your role may not {action} {resource.replace('_', ' ')}s.")
        return Authorized(principal, scope)

    return check
