from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/activity-logs", tags=["activity-logs"])
