"""Attachments: files on work orders, comments, requests, checklist items and assets. The
parent's visibility decides who may upload, list and download: a caller that cannot see the
parent gets 404 for its files.

Bytes and rows: the file is written first, under a fresh key, outside the transaction; the row
naming it commits with the request's transaction. `stored()` deletes the file again when the
transaction fails, so a failed upload leaves nothing. Only a process that dies between the
write and the commit leaves a file without a row; the daily sweep (sweep.py) deletes it."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.asset import service as assets
from maintainpro.attachment import images, sniff
from maintainpro.attachment.schemas import AttachmentFilter, AttachmentRead
from maintainpro.attachment.storage import Storage, new_key, thumbnail_key
from maintainpro.auth.permissions import Action, Resource, Scope
from maintainpro.auth.principal import Authorized, Principal
from maintainpro.comment import service as comments
from maintainpro.config import AttachmentSettings
from maintainpro.core.errors import (
    FieldError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from maintainpro.core.pagination import Page, rows_by_id
from maintainpro.models import Attachment, Checklist, ChecklistItem, Comment
from maintainpro.request import service as requests
from maintainpro.work_order import service as work_orders


# Parent types the schema accepts whose records are not built yet.
def _as(principal: Principal, resource: Resource, action: Action) -> Authorized:
    scope = principal.scope(resource, action)
    if scope is None:
        raise NotFound(f"No such {resource.replace('_', ' ')}.")
    return Authorized(principal, scope)


async def check_parent(
    session: AsyncSession,
    principal: Principal,
    parent_type: str,
    parent_id: UUID,
    *,
    creating: bool = False,
) -> None:
    """NotFound unless the caller can see the parent (and, for an asset, change it when
    attaching a file to it)."""
    if parent_type == "request":
        # Photos of a reported problem: whoever can see the request (its requester included).
        await requests.get(session, _as(principal, Resource.REQUEST, Action.READ), parent_id)
    elif parent_type == "work_order":
        await work_orders.read(session, _as(principal, Resource.WORK_ORDER, Action.READ), parent_id)
    elif parent_type == "comment":
        work_order_id = await session.scalar(
            select(Comment.work_order_id).where(
                Comment.organization_id == principal.organization_id,
                Comment.id == parent_id,
                Comment.deleted_at.is_(None),
            )
        )
        if work_order_id is None:
            raise NotFound("No such comment.")
        await comments.work_order(session, Authorized(principal, Scope.ALL), work_order_id)
    elif parent_type == "checklist_item":
        # A photo is a checklist result: recording one changes the work order.
        action = Action.UPDATE if creating else Action.READ
        work_order_id = await session.scalar(
            select(Checklist.work_order_id)
            .join(
                ChecklistItem,
                (ChecklistItem.organization_id == Checklist.organization_id)
                & (ChecklistItem.checklist_id == Checklist.id),
            )
            .where(
                ChecklistItem.organization_id == principal.organization_id,
                ChecklistItem.id == parent_id,
            )
        )
        if work_order_id is None:
            raise NotFound("No such checklist item.")
        await work_orders.read(session, _as(principal, Resource.WORK_ORDER, action), work_order_id)
    else:
        action = Action.UPDATE if creating else Action.READ
        await assets.get(session, _as(principal, Resource.ASSET, action), parent_id)


async def check_named_parent(
    session: AsyncSession,
    principal: Principal,
    parent_type: str,
    parent_id: UUID,
    *,
    creating: bool = False,
) -> None:
    """`check_parent` for a parent named in a request's fields (an upload, a list filter):
    missing or invisible is a 422 on `parentId`, as for any reference a request names."""
    try:
        await check_parent(session, principal, parent_type, parent_id, creating=creating)
    except NotFound as exc:
        raise ValidationFailed(
            exc.detail, [FieldError("parentId", exc.detail, "not_found")]
        ) from exc


@dataclass(frozen=True, slots=True)
class Upload:
    parent_type: str
    parent_id: UUID
    file_name: str
    declared_type: str | None
    data: bytes

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.data).digest()


def clean_name(name: str | None) -> str:
    """The base name only (a client may send a path), printable, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(ch for ch in base if ch.isprintable()).strip()
    return printable[-255:] or "file"


def too_large(settings: AttachmentSettings) -> PayloadTooLarge:
    message = f"A file may have at most {settings.max_bytes} bytes."
    return PayloadTooLarge(message, [FieldError("file", message, "too_large")])


@dataclass(frozen=True, slots=True)
class Prepared:
    """An upload checked and ready to store: its type, its image facts and the bytes per key."""

    content_type: str
    picture: images.Picture | None


def examine(upload: Upload, settings: AttachmentSettings) -> Prepared:
    """The checks on the bytes (CPU-bound for images: run it in a thread)."""
    if len(upload.data) > settings.max_bytes:
        raise too_large(settings)
    kind = sniff.content_type(
        upload.data, upload.file_name, upload.declared_type, settings.allowed_types
    )
    picture = None
    if kind in images.THUMBNAILED:
        picture = images.thumbnail(upload.data, settings.thumbnail_px)
    return Prepared(kind, picture)


@asynccontextmanager
async def stored(storage: Storage, blobs: Mapping[str, bytes]) -> AsyncIterator[None]:
    """Writes the blobs, then runs the block (which commits the row); if the block fails the
    blobs are deleted again."""
    written: list[str] = []
    try:
        for key, data in blobs.items():
            await storage.put(key, data)
            written.append(key)
        yield
    except BaseException:
        for key in written:
            await storage.delete(key)
        raise


def blobs_of(organization_id: UUID, upload: Upload, prepared: Prepared) -> dict[str, bytes]:
    key = new_key(organization_id)
    blobs = {key: upload.data}
    if prepared.picture is not None:
        blobs[thumbnail_key(key)] = prepared.picture.thumbnail
    return blobs


async def record(
    session: AsyncSession,
    organization_id: UUID,
    upload: Upload,
    prepared: Prepared,
    blobs: Mapping[str, bytes],
) -> AttachmentRead:
    key, *thumbnail = blobs
    picture = prepared.picture
    attachment = Attachment(
        organization_id=organization_id,
        parent_type=upload.parent_type,
        parent_id=upload.parent_id,
        file_name=upload.file_name,
        content_type=prepared.content_type,
        size_bytes=len(upload.data),
        sha256=upload.sha256,
        storage_key=key,
        thumbnail_key=thumbnail[0] if thumbnail else None,
        width=picture.width if picture else None,
        height=picture.height if picture else None,
    )
    session.add(attachment)
    await session.flush()
    return AttachmentRead.model_validate(attachment)


async def get(session: AsyncSession, auth: Authorized, attachment_id: UUID) -> Attachment:
    """A live attachment whose parent the caller can see."""
    attachment = await session.scalar(
        select(Attachment).where(
            Attachment.organization_id == auth.principal.organization_id,
            Attachment.id == attachment_id,
            Attachment.deleted_at.is_(None),
        )
    )
    if attachment is None:
        raise NotFound("No such attachment.")
    try:
        await check_parent(session, auth.principal, attachment.parent_type, attachment.parent_id)
    except NotFound as exc:
        raise NotFound("No such attachment.") from exc
    return attachment


async def list_attachments(
    session: AsyncSession, auth: Authorized, query: AttachmentFilter
) -> Page[AttachmentRead]:
    """The live files of one parent, oldest first."""
    await check_named_parent(session, auth.principal, query.parent_type, query.parent_id)
    statement = select(Attachment).where(
        Attachment.organization_id == auth.principal.organization_id,
        Attachment.parent_type == query.parent_type,
        Attachment.parent_id == query.parent_id,
        Attachment.deleted_at.is_(None),
    )
    rows, next_cursor = await rows_by_id(session, statement, Attachment.id, query)
    return Page(items=[AttachmentRead.model_validate(row) for row in rows], next_cursor=next_cursor)


async def delete(session: AsyncSession, auth: Authorized, attachment_id: UUID) -> None:
    """Soft delete: the file leaves every list and download; its bytes stay until purged."""
    attachment = await get(session, auth, attachment_id)
    if auth.scope is Scope.OWN and attachment.created_by != auth.principal.user_id:
        raise PermissionDenied("Only the person who uploaded a file may delete it.")
    attachment.deleted_at = datetime.now(UTC)
    await session.flush()
