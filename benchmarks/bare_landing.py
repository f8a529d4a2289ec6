"""The ceiling for ``bench_landings.py``: a bare FastAPI endpoint that inserts the same landing row as Pesisir's
``POST /api/v1/landings``, with no authentication, validation, idempotency key, audit or row-level security.

    BARE_DATABASE_URL=postgresql+psycopg://... uvicorn --factory benchmarks.bare_landing:create_app --workers N
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine, text

INSERT = text(
    "INSERT INTO landings (client_uuid, harbour_id, geom, precision_m, observed_start, observed_end, direction,"
    " vessel_name, vessel_type, persons_aboard, crew, foreign_nationals)"
    " VALUES (:client_uuid, :harbour_id, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :precision_m,"
    " :observed_start, :observed_end, :direction, :vessel_name, :vessel_type, :persons_aboard, :crew,"
    " :foreign_nationals) ON CONFLICT DO NOTHING RETURNING id"
)


def create_app() -> FastAPI:
    engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_size=20, max_overflow=20)
    harbour_id = int(os.environ["BARE_HARBOUR_ID"])
    app = FastAPI(openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/landings")
    def landing(body: dict[str, Any] = Body(...)) -> JSONResponse:
        lon, lat = body["location"]["coordinates"]
        fields = {k: body[k] for k in ("client_uuid", "precision_m", "observed_start", "observed_end", "direction")}
        fields |= {k: body[k] for k in ("vessel_name", "vessel_type", "persons_aboard", "crew", "foreign_nationals")}
        with engine.begin() as conn:
            new_id = conn.execute(INSERT, {**fields, "harbour_id": harbour_id, "lon": lon, "lat": lat}).scalar()
        return JSONResponse({"id": new_id, "client_uuid": body["client_uuid"]}, status_code=201)

    return app
