"""The synthetic demo data set: incidents and landings from ``geo.synthetic``, flagged ``synthetic``.

Idempotent: every generated row has a UUID derived from the seed, so loading the same seed twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.repositories import audit_log, reports
from app.db.repositories import risk as risk_repo
from app.errors import InvalidInput
from app.services import audit
from app.services.base_data import DEFAULT_LAND_BOUNDARIES
from geo import synthetic
from geo.i18n import Message
from geo.io import read_layer
from geo.validation import GeoInputError
from geo.vocabulary import RISK_KINDS

if TYPE_CHECKING:
    from app.services.risk import ModelStore


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
        raise InvalidInput.coded("demo.no_base_layers")
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
    except GeoInputError as exc:
        raise InvalidInput.coded("demo.failed", error=str(exc)) from None

    incidents = _rows(data.incidents)
    harbours = repo.harbours_by_slug(session)
    landings = _rows(data.landings, drop=("harbour_slug",))
    for row, slug in zip(landings, data.landings["harbour_slug"], strict=True):
        row["harbour_id"] = harbours[slug].id if isinstance(slug, str) else None
        row["suspicion_flags"] = list(row["suspicion_flags"])

    n_inc = reports.insert_incidents_by_uuid(session, incidents)
    n_land = len(reports.insert_landings(session, landings))
    if n_inc or n_land:
        after = {"seed": seed, "incidents": n_inc, "landings": n_land, "synthetic": True}
        audit.record(session, actor, "load", "demo_data", after=after)
    return DemoReport(seed, len(incidents), n_inc, len(landings), n_land)


@dataclass(frozen=True)
class RemoveReport:
    incidents: int
    landings: int
    rescored: int
    """Segment scores written by the re-scoring that follows; 0 when nothing was removed or it could not run."""
    not_rescored: str | None = None
    """Why the coast was not re-scored, when it was not."""


def remove_demo(session: Session, *, store: ModelStore, actor: str = "cli") -> RemoveReport:
    """Delete every synthetic incident and landing, audit it (one row with the counts), and re-score the coast
    in the same transaction, so the map never shows scores computed from data that is gone.

    Re-scoring here rather than flagging scores for the background refresher: this runs from the CLI, where no
    server may be running to re-score (and ``PESISIR_RESCORE_INTERVAL_S=0`` turns the refresher off); and the
    demo data lie all along the coast, so the flags would cover nearly every segment anyway. The evaluations
    measured on the demo data go too (the accuracy panel must not describe data that is gone), and so do weights
    fitted on it (``store``: the served weights; the expert prior is served again)."""
    from app.services import risk

    n_inc, n_land = reports.delete_synthetic(session)
    risk_repo.delete_synthetic_evaluations(session)
    for kind in RISK_KINDS:
        if store.served(kind).fitted.get("synthetic"):
            path = store.fitted_path(kind)
            if path is not None:
                path.unlink(missing_ok=True)  # before the commit: a failed removal leaves the prior served, no harm
    if not (n_inc or n_land):
        return RemoveReport(0, 0, 0)
    audit.record(
        session, actor, "remove", "demo_data", after={"incidents": n_inc, "landings": n_land, "synthetic": True}
    )
    if risk.count_segments(session) == 0:
        return RemoveReport(n_inc, n_land, 0, Message("cli.reasons.no_segments"))
    reports_ = risk.score(session, store=store)
    return RemoveReport(n_inc, n_land, sum(r.segments for r in reports_))


def reason_not_to_load(session: Session) -> str | None:
    """Why ``pesisir run`` should not load the demo data: it was removed before (the audit log says when), or the
    database holds real incidents, which synthetic ones must not mix with. None when it may load."""
    removed = audit_log.latest(session, action="remove", object_type="demo_data")
    loaded = audit_log.latest(session, action="load", object_type="demo_data")
    if removed is not None and (loaded is None or loaded.id < removed.id):
        return Message("cli.reasons.demo_removed", on=f"{removed.at:%Y-%m-%d}")
    real = reports.count_real_incidents(session)
    if real:
        return Message("cli.reasons.real_incidents", count=real)
    return None
