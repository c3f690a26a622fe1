"""Every domain router, mounted under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from maintainpro.apikey.routes import router as apikey_router
from maintainpro.asset.routes import router as asset_router
from maintainpro.audit.routes import router as audit_router
from maintainpro.auth.reset_routes import router as reset_router
from maintainpro.auth.routes import router as auth_router
from maintainpro.downtime.routes import router as downtime_router
from maintainpro.location.routes import router as location_router
from maintainpro.meter.routes import router as meter_router
from maintainpro.organization.routes import router as organization_router
from maintainpro.user.routes import router as user_router
from maintainpro.vendor.routes import contractors_router, vendors_router

router = APIRouter(prefix="/api/v1")
for domain in (
    auth_router,
    reset_router,
    organization_router,
    location_router,
    user_router,
    apikey_router,
    audit_router,
    asset_router,
    meter_router,
    downtime_router,
    vendors_router,
    contractors_router,
):
    router.include_router(domain)
