"""Every domain router, mounted under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from maintainpro.auth.routes import router as auth_router
from maintainpro.location.routes import router as location_router
from maintainpro.organization.routes import router as organization_router
from maintainpro.user.routes import router as user_router

router = APIRouter(prefix="/api/v1")
for domain in (auth_router, organization_router, location_router, user_router):
    router.include_router(domain)
