"""The synthetic demo data set: incidents and landings from ``geo.synthetic``, flagged ``synthetic``.

Idempotent: every generated row has a UUID derived from the seed, so loading the same seed twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.errors import InvalidInput
from app.services.base_data import DEFAULT_LAND_BOUNDARIES
from geo import synthetic
from geo.io import read_layer


@dataclass(frozen=True)
class DemoReport:
    seed: int
    incidents_generated: int
    incidents_inserted: int
    landings_generated: int
    landings_inserted: int


def _py(value: Any) -> Any:
    """numpy / pandas scalars to plain Python for the driver."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict | str):
        return value.item()
    if value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value


def _rows(frame: Any, *, drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    records = []
    for rec in frame.drop(columns=list(drop)).to_dict("records"):
        geom = rec.pop("geometry")
        row = {k: _py(v) for k, v in rec.items()}
        row["geom"] = repo.ewkt(geom)
        records.append(row)
    return records


def load_demo(
    session: Session, *, seed: int, n_incidents: int = 400, n_landings: int = 2500, actor: str = "cli"
) -> DemoReport:
    islands = repo.islands_frame(session)
    harbours = repo.harbours_frame(session)
    if islands.empty or harbours.empty:
        raise InvalidInput("demo data needs the base layers: run 'pesisir load-base' first")
    try:
        boundaries = read_layer(DEFAULT_LAND_BOUNDARIES) if DEFAULT_LAND_BOUNDARIES.is_file() else None
        data = synthetic.generate(
            islands,
            harbours,
            seed=seed,
            n_incidents=n_incidents,
            n_landings=n_landings,
            land_boundaries=boundaries,
        )
    except ValueError as exc:
        raise InvalidInput(f"demo data: {exc}") from None

    incidents = _rows(data.incidents)
    ids = repo.harbour_ids_by_slug(session)
    landings = _rows(data.landings, drop=("harbour_slug",))
    for row, slug in zip(landings, data.landings["harbour_slug"], strict=True):
        row["harbour_id"] = ids[slug] if isinstance(slug, str) else None
        row["suspicion_flags"] = list(row["suspicion_flags"])

    n_inc = repo.insert_incidents(session, incidents)
    n_land = repo.insert_landings(session, landings)
    if n_inc or n_land:
        repo.audit(
            session,
            actor=actor,
            action="load",
            object_type="demo_data",
            after={"seed": seed, "incidents": n_inc, "landings": n_land, "synthetic": True},
        )
    return DemoReport(seed, len(incidents), n_inc, len(landings), n_land)
