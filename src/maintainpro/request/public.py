"""`/public/r/{token}`: a request link, without an account (C3, D4).

Anyone holding the link sees the asset's or location's name and its open work orders (so a
duplicate is visible) and can file a request with an optional name and e-mail. Every call
counts against a per-address rate limit in a transaction of its own, so refused and unknown
tokens count too. Whoever filed a request can add up to five photos to it within the hour
(`POST /public/r/{token}/requests/{id}/photos`): the request's id, which only the filer was
told, and the link together are the permission.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, UploadFile, status

from maintainpro.attachment import service as attachments
from maintainpro.attachment.storage import LocalStorage
from maintainpro.auth import throttle
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.core.deps import AppDatabase, AppSettings
from maintainpro.core.errors import TooManyRequests
from maintainpro.request import links, service
from maintainpro.request.schemas import (
    PublicPhotoAccepted,
    PublicRequestAccepted,
    PublicRequestCreate,
    PublicTarget,
)

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


@router.post(
    "/{token}/requests/{request_id}/photos",
    status_code=status.HTTP_201_CREATED,
    responses={
        **ERRORS,
        409: {"description": "The request was decided, is over an hour old or has 5 photos."},
        413: {"description": "The file is over the size limit."},
        415: {"description": "The file is not an image (sniffed from its bytes)."},
        422: {"description": "The file's name or declared type contradicts its bytes."},
    },
)
async def add_request_photo(
    token: str,
    request_id: UUID,
    file: Annotated[UploadFile, File(description="An image; its type is read from its bytes.")],
    database: AppDatabase,
    settings: AppSettings,
) -> PublicPhotoAccepted:
    await _admit(database, settings.http.public_rate_per_minute)
    limits = settings.attachments
    pictures = frozenset(kind for kind in limits.allowed_types if kind.startswith("image/"))
    images_only = limits.model_copy(update={"allowed_types": pictures})
    upload = attachments.Upload(
        parent_type="request",
        parent_id=request_id,
        file_name=attachments.clean_name(file.filename),
        declared_type=file.content_type,
        data=await file.read(limits.max_bytes + 1),
    )
    prepared = await asyncio.to_thread(attachments.examine, upload, images_only)
    async with transaction(database.sessions) as session:
        link = await links.resolve(session, token)
        await service.admit_public_photo(session, link, request_id)
        blobs = attachments.blobs_of(link.organization_id, upload, prepared)
        async with attachments.stored(LocalStorage(limits.directory), blobs):
            photo = await attachments.record(session, link.organization_id, upload, prepared, blobs)
            # Committed inside `stored`: a failed commit deletes the files just written.
            await session.commit()
    return PublicPhotoAccepted.model_validate(photo, from_attributes=True)
