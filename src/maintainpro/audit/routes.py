"""/api/v1/activity-logs: the organization's audit trail (admins and managers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from maintainpro.audit import export
from maintainpro.audit import service as audit_service
from maintainpro.audit.schemas import ActivityLogExport, ActivityLogFilter, ActivityLogRead
from maintainpro.auth.deps import Authorized, permission
from maintainpro.auth.permissions import Action, Resource
from maintainpro.core.db import transaction
from maintainpro.core.deps import AppDatabase, DbSession
from maintainpro.core.pagination import Page

router = APIRouter(prefix="/activity-logs", tags=["activity-logs"])

CanRead = Annotated[Authorized, Depends(permission(Resource.ACTIVITY_LOG, Action.READ))]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@router.get("")
async def list_activity_logs(
    auth: CanRead, session: DbSession, query: Annotated[ActivityLogFilter, Query()]
) -> Page[ActivityLogRead]:
    return await audit_service.list_entries(session, auth.principal.organization_id, query)


@router.get("/export", response_class=StreamingResponse)
async def export_activity_logs(
    auth: CanRead, database: AppDatabase, query: Annotated[ActivityLogExport, Query()]
) -> StreamingResponse:
    async def body() -> AsyncIterator[str]:
        # The stream outlives the request's session: it reads in a transaction of its own,
        # under the same tenant context.
        async with transaction(database.sessions) as session:
            entries = audit_service.stream_entries(session, auth.principal.organization_id, query)
            render = export.as_csv if query.format == "csv" else export.as_json
            async for chunk in render(entries):
                yield chunk

    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPES[query.format],
        headers={"Content-Disposition": f'attachment; filename="activity-logs.{query.format}"'},
    )
