"""`/public/r/{token}`: a request link, without an account (C3, D4).

Anyone holding the link sees the asset's or location's name and its open work orders (so a
duplicate is visible) and can file a request with an optional name and e-mail. Every call
counts against a per-address rate limit in a transaction of its own, so refused and unknown
tokens count too. Photos come with attachments.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from maintainpro.auth import throttle
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.deps import AppDatabase, AppSettings
from maintainpro.core.errors import TooManyRequests
from maintainpro.request import links, service
from maintainpro.request.schemas import PublicRequestAccepted, PublicRequestCreate, PublicTarget

router = APIRouter(prefix="/public/r", tags=["public"])
RATE_WINDOW_S = 60
# Declared here: the public side lives outside /api, whose error statuses are added centrally.
ERRORS: dict[int | str, dict[str, object]] = {
    404: {"description": "No such link, or it was revoked."},
    429: {"description": "Too many calls from this address; retry after `Retry-After`."},
}


async def _admit(database: Database, limit: int) -> None:
    async with transaction(database.sessions) as session:
        hits = await throttle.hit(session, f"request-link:{context.current().client_ip or '-'}")
    if hits > limit:
        raise TooManyRequests("Too many requests; wait a minute.", retry_after_s=RATE_WINDOW_S)


@router.get("/{token}", responses=ERRORS)
async def view_request_link(
    token: str, database: AppDatabase, settings: AppSettings
) -> PublicTarget:
    await _admit(database, settings.http.public_rate_per_minute)
    async with transaction(database.sessions) as session:
        link = await links.resolve(session, token)
        return await links.public_view(session, link)


@router.post(
    "/{token}",
    status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 422: {"description": "The request is invalid."}},
)
async def submit_request(
    token: str, body: PublicRequestCreate, database: AppDatabase, settings: AppSettings
) -> PublicRequestAccepted:
    await _admit(database, settings.http.public_rate_per_minute)
    async with transaction(database.sessions) as session:
        link = await links.resolve(session, token)
        site_id = await links.live_site(session, link)
        request = await service.submit_public(session, link, site_id, body)
        return PublicRequestAccepted(id=request.id, status=request.status)
