"""/api/v1/attachments: files on work orders, comments, requests, checklist items and assets."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status

from maintainpro.attachment import service
from maintainpro.attachment.images import THUMBNAIL_TYPE
from maintainpro.attachment.schemas import (
    AttachmentFilter,
    AttachmentRead,
    ParentType,
    UploadFingerprint,
)
from maintainpro.attachment.storage import LocalStorage, Storage
from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core import idempotency
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.errors import NotFound
from maintainpro.core.idempotency import IdempotencyKeyHeader
from maintainpro.core.openapi import BINARY
from maintainpro.core.pagination import Page

router = APIRouter(prefix="/attachments", tags=["attachments"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ATTACHMENT, Action.READ))]
CanCreate = Annotated[Authorized, Depends(permission(Resource.ATTACHMENT, Action.CREATE))]
CanDelete = Annotated[Authorized, Depends(permission(Resource.ATTACHMENT, Action.DELETE))]
CREATE_ROUTE = "POST /attachments"
# Bytes served as the type they were stored as, never sniffed again by a browser.
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}


async def get_storage(settings: AppSettings) -> Storage:
    return LocalStorage(settings.attachments.directory)


FileStorage = Annotated[Storage, Depends(get_storage)]


async def _read_file(file: UploadFile, limit: int) -> bytes:
    """At most `limit + 1` bytes: enough to tell a file over the limit."""
    return await file.read(limit + 1)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentRead,
    responses={415: {"description": "The file's type (sniffed from its bytes) is not allowed."}},
)
async def upload_attachment(
    file: Annotated[UploadFile, File(description="The file; its type is read from its bytes.")],
    parent_type: Annotated[ParentType, Form(alias="parentType")],
    parent_id: Annotated[UUID, Form(alias="parentId")],
    auth: CanCreate,
    session: DbSession,
    settings: AppSettings,
    storage: FileStorage,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AttachmentRead | Response:
    """Multipart upload. A name or declared type that the bytes contradict is a 422, a type not
    allowed a 415, a file over the limit a 413."""
    limits = settings.attachments
    upload = service.Upload(
        parent_type=parent_type,
        parent_id=parent_id,
        file_name=service.clean_name(file.filename),
        declared_type=file.content_type,
        data=await _read_file(file, limits.max_bytes),
    )
    await service.check_named_parent(session, auth.principal, parent_type, parent_id, creating=True)
    prepared = await asyncio.to_thread(service.examine, upload, limits)
    principal = auth.principal
    fingerprint = UploadFingerprint.model_validate(
        {
            "parentType": parent_type,
            "parentId": parent_id,
            "fileName": upload.file_name,
            "sha256": upload.sha256.hex(),
        }
    )
    slot = await idempotency.begin(session, principal, CREATE_ROUTE, idempotency_key, fingerprint)
    if slot is not None and slot.replay is not None:
        return slot.replay
    blobs = service.blobs_of(principal.organization_id, upload, prepared)
    response = Response(status_code=status.HTTP_201_CREATED)
    async with service.stored(storage, blobs):
        attachment = await service.record(
            session, principal.organization_id, upload, prepared, blobs
        )
        if slot is not None:
            await slot.store(session, status.HTTP_201_CREATED, attachment, response)
        # Committed here, inside `stored`: a failed commit deletes the files just written.
        await session.commit()
    return attachment


@router.get("")
async def list_attachments(
    auth: CanRead, session: DbSession, query: Annotated[AttachmentFilter, Query()]
) -> Page[AttachmentRead]:
    """The files of one parent, oldest first; a parent the caller cannot see is a 422 on
    `parentId`, as if it did not exist."""
    return await service.list_attachments(session, auth, query)


@router.get("/{attachment_id}")
async def get_attachment(attachment_id: UUID, auth: CanRead, session: DbSession) -> AttachmentRead:
    return AttachmentRead.model_validate(await service.get(session, auth, attachment_id))


async def _served(storage: Storage, key: str, media_type: str, headers: dict[str, str]) -> Response:
    return Response(await storage.get(key), media_type=media_type, headers=headers)


def _disposition(file_name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact one (RFC 6266, RFC 5987)."""
    fallback = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in file_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@router.get(
    "/{attachment_id}/content",
    response_class=Response,
    # Served as the type sniffed at upload: one of `attachments.allowed_types`.
    responses={200: {"content": {"*/*": BINARY}}},
)
async def download_attachment(
    attachment_id: UUID, auth: CanRead, session: DbSession, storage: FileStorage
) -> Response:
    """The bytes, as the type sniffed at upload."""
    attachment = await service.get(session, auth, attachment_id)
    headers = {**SAFE_HEADERS, "Content-Disposition": _disposition(attachment.file_name)}
    return await _served(storage, attachment.storage_key, attachment.content_type, headers)


@router.get(
    "/{attachment_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/webp": BINARY}}},
)
async def get_thumbnail(
    attachment_id: UUID, auth: CanRead, session: DbSession, storage: FileStorage
) -> Response:
    """A small WebP of an image (PNG, JPEG, WebP); other files have none (404)."""
    attachment = await service.get(session, auth, attachment_id)
    if attachment.thumbnail_key is None:
        raise NotFound("This attachment has no thumbnail.")
    return await _served(storage, attachment.thumbnail_key, THUMBNAIL_TYPE, SAFE_HEADERS)


@router.delete("/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_attachment(attachment_id: UUID, auth: CanDelete, session: DbSession) -> Response:
    """Its uploader, or a supervisor and above."""
    await service.delete(session, auth, attachment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
