"""Organization lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from maintainpro.core.errors import FieldError, NotFound, ValidationFailed
from maintainpro.core.etag import check_version
from maintainpro.core.timezones import check_timezone
from maintainpro.escalation.clock import BusinessHours
from maintainpro.models import Organization
from maintainpro.organization.schemas import OrganizationUpdate


async def purge(session: AsyncSession, organization_id: UUID) -> bool:
    """Hard-deletes a tenant and everything it owns (operator action: needs the maintenance
    role). The cascade takes the tenant's audit trail with it instead of auditing each row."""
    await session.execute(
        text("SELECT set_config('app.purge_organization', :org, true)"),
        {"org": str(organization_id)},
    )
    result = await session.execute(delete(Organization).where(Organization.id == organization_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult for DML


async def get_current(session: AsyncSession, organization_id: UUID) -> Organization:
    organization = await session.scalar(
        select(Organization).where(
            Organization.id == organization_id, Organization.deleted_at.is_(None)
        )
    )
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def check_organization_flags(flags: Mapping[str, bool], *, installation: frozenset[str]) -> None:
    """Organization flags are the tenant's own; installation flags (MAINTAINPRO_FEATURES) are
    the operator's, read from settings only, and no organization may set or shadow one."""
    if taken := sorted(set(flags) & installation):
        raise ValidationFailed(
            "Installation-level feature flags cannot be set by an organization.",
            [
                FieldError(f"featureFlags.{name}", "An installation flag.", "installation_flag")
                for name in taken
            ],
        )


def check_settings(settings: Mapping[str, Any]) -> None:
    """The settings the product reads with a shape of their own are checked when saved."""
    if "businessHours" not in settings:
        return
    try:
        BusinessHours.model_validate(settings["businessHours"])
    except PydanticValidationError as exc:
        errors = [
            FieldError(
                ".".join(["settings.businessHours", *map(str, error["loc"])]),
                error["msg"],
                error["type"],
            )
            for error in exc.errors()
        ]
        raise ValidationFailed("Business hours are not valid.", errors) from exc


async def update(
    session: AsyncSession,
    organization_id: UUID,
    data: OrganizationUpdate,
    *,
    version: int | None,
    installation_flags: frozenset[str],
) -> Organization:
    organization = await get_current(session, organization_id)
    check_version(version, organization.version, what="organization")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("timezone") is not None:
        check_timezone(changes["timezone"])
    if changes.get("feature_flags") is not None:
        check_organization_flags(changes["feature_flags"], installation=installation_flags)
    if changes.get("settings") is not None:
        check_settings(changes["settings"])
    for name, value in changes.items():
        if value is None:
            raise ValidationFailed(
                "A value is required.", [FieldError(to_camel(name), "Cannot be null.", "null")]
            )
        setattr(organization, name, value)
    await session.flush()
    return organization
