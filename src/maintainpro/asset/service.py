"""Assets (C4): codes unique per organization, a hierarchy of any depth, site scoping."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro import tree
from maintainpro.asset import repository
from maintainpro.asset.schemas import AssetCreate, AssetRead, AssetRollup, AssetUpdate
from maintainpro.auth.permissions import Scope
from maintainpro.auth.principal import Authorized
from maintainpro.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.location import service as location_service
from maintainpro.models import Asset, DowntimeEvent

REQUIRED = frozenset({"code", "name", "status", "criticality", "specifications"})


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message, code)])


async def get(session: AsyncSession, auth: Authorized, asset_id: UUID) -> Asset:
    asset = await repository.entity_by_id(session, auth, asset_id)
    if asset is None:
        raise NotFound("No such asset.")
    return asset


async def read(session: AsyncSession, auth: Authorized, asset_id: UUID) -> AssetRead:
    """One asset as the response shows it (no ORM object: the hot read)."""
    row = await repository.read_by_id(session, auth, asset_id)
    if row is None:
        raise NotFound("No such asset.")
    return AssetRead.model_validate(dict(row))


async def read_by_label(session: AsyncSession, auth: Authorized, label_code: str) -> AssetRead:
    """Scan to act: the asset a printed label names, if the caller may see it."""
    row = await repository.read_by_label(session, auth, label_code)
    if row is None:
        raise NotFound("No asset carries this label code.")
    return AssetRead.model_validate(dict(row))


async def _reference(session: AsyncSession, auth: Authorized, field: str, asset_id: UUID) -> Asset:
    try:
        return await get(session, auth, asset_id)
    except NotFound as exc:
        raise _invalid(field, "The parent asset does not exist.") from exc


async def _check_references(session: AsyncSession, auth: Authorized, asset: Asset) -> None:
    """The location and the parent must be live and visible to the caller."""
    if asset.location_id is not None:
        try:
            await location_service.get(session, auth, asset.location_id)
        except NotFound as exc:
            raise _invalid("locationId", "The location does not exist.") from exc
    if asset.parent_id is not None:
        await _reference(session, auth, "parentId", asset.parent_id)


async def _placed(session: AsyncSession, auth: Authorized, asset: Asset) -> None:
    """Writes the asset, then reads back the site the database derived for it (revision 0008:
    the site of its live location, else its parent's) and checks the caller's scope."""
    await _flush(session)
    if "site_id" in inspect(asset).unloaded:  # not written by this flush: read it
        await session.refresh(asset, ["site_id"])
    _check_site_scope(auth, asset)


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        message = "A live asset already uses this code or label code."
        raise Conflict(message, [FieldError("code", message, "duplicate")]) from exc


async def create(session: AsyncSession, auth: Authorized, data: AssetCreate) -> Asset:
    values = data.model_dump()
    values["label_code"] = values["label_code"] or data.code
    asset = Asset(organization_id=auth.principal.organization_id, **values)
    await _check_references(session, auth, asset)
    session.add(asset)
    await _placed(session, auth, asset)
    return asset


def _check_site_scope(auth: Authorized, asset: Asset) -> None:
    """Site-bound creators and editors keep assets inside their own sites."""
    if auth.scope is Scope.SITE and asset.site_id not in auth.principal.site_ids:
        raise _invalid("locationId", "Choose a location in one of your sites.", "outside_scope")


async def update_asset(
    session: AsyncSession,
    auth: Authorized,
    asset_id: UUID,
    data: AssetUpdate,
    *,
    version: int | None,
) -> Asset:
    asset = await get(session, auth, asset_id)
    check_version(version, asset.version, what="asset")
    changes = data.model_dump(exclude_unset=True)
    for name in REQUIRED & changes.keys():
        if changes[name] is None:
            raise _invalid(to_camel(name), "Cannot be null.", "null")
    if changes.get("parent_id") is not None and changes["parent_id"] != asset.parent_id:
        await _check_no_cycle(session, auth, asset, changes["parent_id"])
    if "label_code" in changes and changes["label_code"] is None:
        changes["label_code"] = changes.get("code") or asset.code
    for name, value in changes.items():
        setattr(asset, name, value)
    if {"location_id", "parent_id"} & changes.keys():
        await _check_references(session, auth, asset)
        await _placed(session, auth, asset)
    else:
        await _flush(session)
    return asset


async def _check_no_cycle(
    session: AsyncSession, auth: Authorized, asset: Asset, parent_id: UUID
) -> None:
    """Under the tree lock, so a concurrent move cannot slip in between check and write."""
    await _reference(session, auth, "parentId", parent_id)
    await tree.lock(session, Asset, asset.organization_id)
    if await tree.contains(session, Asset, asset.organization_id, asset.id, parent_id):
        message = "An asset cannot be placed below itself or one of its descendants."
        raise Conflict(message, [FieldError("parentId", message, "cycle")])


async def delete(
    session: AsyncSession,
    auth: Authorized,
    asset_id: UUID,
    *,
    children: Literal["refuse", "detach", "delete"],
) -> None:
    """Soft delete. Live children block it unless the caller says to detach them (they become
    roots) or to delete the whole subtree."""
    asset = await get(session, auth, asset_id)
    now = datetime.now(UTC)
    org = asset.organization_id
    if await repository.live_children(session, org, asset.id):
        if children == "refuse":
            raise Conflict(
                "The asset has live child assets; pass children=detach or children=delete.",
                [FieldError("children", "Say how to handle the child assets.", "has_children")],
            )
        if children == "detach":
            await session.execute(
                update(Asset)
                .where(
                    Asset.organization_id == org,
                    Asset.parent_id == asset.id,
                    Asset.deleted_at.is_(None),
                )
                # Roots keep their place (and so their site): the parent's location.
                .values(
                    parent_id=None, location_id=func.coalesce(Asset.location_id, asset.location_id)
                )
            )
        else:
            ids = tree.subtree_ids(Asset, org, asset.id)
            await session.execute(
                update(Asset)
                .where(Asset.organization_id == org, Asset.id.in_(ids.scalar_subquery()))
                .values(deleted_at=now)
            )
    asset.deleted_at = now
    await session.flush()


async def rollup(session: AsyncSession, auth: Authorized, asset_id: UUID) -> AssetRollup:
    """Counts over the asset and everything below it: by status, by criticality, how many are
    down right now (an open downtime event) and the open work on them."""
    root = await get(session, auth, asset_id)
    nodes = [node for node, _ in await repository.subtree(session, auth, root)]
    down_now = await session.scalar(
        select(func.count(func.distinct(DowntimeEvent.asset_id))).where(
            DowntimeEvent.organization_id == root.organization_id,
            DowntimeEvent.asset_id.in_([node.id for node in nodes]),
            DowntimeEvent.ended_at.is_(None),
            DowntimeEvent.deleted_at.is_(None),
        )
    )
    open_work = await repository.open_work_by_priority(
        session, root.organization_id, [node.id for node in nodes]
    )
    return AssetRollup(
        asset_id=root.id,
        open_work_orders=sum(open_work.values()),
        open_work_orders_by_priority=open_work,
        assets=len(nodes),
        by_status=dict(Counter(node.status for node in nodes)),
        by_criticality=dict(Counter(node.criticality for node in nodes)),
        down_now=int(down_now or 0),
    )
