"""/api/v1/organization: the caller's own organization."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from maintainpro.auth.deps import permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.auth.principal import Authorized
from maintainpro.core.deps import AppSettings, DbSession
from maintainpro.core.etag import IfMatch, expected_version, set_etag
from maintainpro.organization import service as organization_service
from maintainpro.organization.schemas import OrganizationRead, OrganizationUpdate

router = APIRouter(prefix="/organization", tags=["organization"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ORGANIZATION, Action.READ))]
CanUpdate = Annotated[Authorized, Depends(permission(Resource.ORGANIZATION, Action.UPDATE))]


@router.get("")
async def get_organization(
    auth: CanRead, session: DbSession, response: Response
) -> OrganizationRead:
    organization = await organization_service.get_current(session, auth.principal.organization_id)
    set_etag(response, organization.version)
    return OrganizationRead.model_validate(organization)


@router.patch("")
async def update_organization(
    body: OrganizationUpdate,
    auth: CanUpdate,
    session: DbSession,
    settings: AppSettings,
    response: Response,
    if_match: IfMatch = None,
) -> OrganizationRead:
    organization = await organization_service.update(
        session,
        auth.principal.organization_id,
        body,
        version=expected_version(if_match),
        installation_flags=settings.features,
    )
    set_etag(response, organization.version)
    return OrganizationRead.model_validate(organization)
