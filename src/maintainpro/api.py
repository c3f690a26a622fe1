"""Every domain router, mounted under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from maintainpro.apikey.routes import router as apikey_router
from maintainpro.asset.routes import router as asset_router
from maintainpro.attachment.routes import router as attachment_router
from maintainpro.audit.routes import router as audit_router
from maintainpro.auth.reset_routes import router as reset_router
from maintainpro.auth.routes import router as auth_router
from maintainpro.calendar.routes import public_router as calendar_public_router
from maintainpro.calendar.routes import router as calendar_router
from maintainpro.checklist.routes import checklists_router, templates_router
from maintainpro.comment.routes import router as comment_router
from maintainpro.craft.routes import router as craft_router
from maintainpro.downtime.routes import router as downtime_router
from maintainpro.escalation.routes import router as escalation_router
from maintainpro.failure_code.routes import router as failure_code_router
from maintainpro.inventory.routes import router as inventory_router
from maintainpro.labor.routes import router as labor_router
from maintainpro.location.routes import router as location_router
from maintainpro.meter.routes import router as meter_router
from maintainpro.notification.routes import router as notification_router
from maintainpro.organization.routes import router as organization_router
from maintainpro.pm.routes import router as pm_router
from maintainpro.purchasing.routes import router as purchasing_router
from maintainpro.request.public import router as request_public_router
from maintainpro.request.routes import links_router as request_links_router
from maintainpro.request.routes import router as request_router
from maintainpro.rules.routes import router as rules_router
from maintainpro.team.routes import router as team_router
from maintainpro.user.routes import router as user_router
from maintainpro.vendor.routes import contractors_router, vendors_router
from maintainpro.webhook.routes import router as webhook_router
from maintainpro.work_order.routes import router as work_order_router

PREFIX = "/api/v1"
# Mounted one by one on the application (app.py), not through one /api/v1 router: each level
# of nested routers costs every request a walk through it while matching.
DOMAINS: tuple[APIRouter, ...] = (
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
    work_order_router,
    checklists_router,
    templates_router,
    team_router,
    failure_code_router,
    request_router,
    request_links_router,
    calendar_router,
    labor_router,
    craft_router,
    comment_router,
    attachment_router,
    inventory_router,
    purchasing_router,
    pm_router,
    escalation_router,
    notification_router,
    webhook_router,
    rules_router,
)
# Reached without credentials through secret URLs (request links, calendar feeds), mounted at
# the root: the URL printed on a label or given to a calendar app names no API version.
PUBLIC: tuple[APIRouter, ...] = (request_public_router, calendar_public_router)
