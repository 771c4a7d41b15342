"""``/healthz``: answered on the event loop at once, whatever else the API is doing (bodies are
decoded and stores read on threads), so a probe tells a hung process from a busy one."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
