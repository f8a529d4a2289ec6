from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.deps import EngineDep
from app.services import catalog

router = APIRouter(tags=["service"])


class HealthOut(BaseModel):
    status: str
    database: str
    postgis: str | None
    version: str
    detail: str | None = None


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}})
def healthz(engine: EngineDep) -> JSONResponse:
    """Service and database status, with the PostGIS version; 503 while the database is unreachable, or degraded
    (read-only: writes are refused)."""
    h = catalog.health(engine)
    body = HealthOut(**h.__dict__).model_dump()
    if h.status != "ok":
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse(body)
