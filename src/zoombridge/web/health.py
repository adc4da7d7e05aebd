"""`/health`: the process is up and its database answers (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from zoombridge.kit.http import SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(session: SessionDep) -> dict[str, str]:
    await session.execute(text("SELECT 1"))
    return {"status": "ok"}
