"""What ``pesisir run`` may skip on a second start: the fingerprints of each preparation step.

``pesisir run`` loads the base layers, loads the demo data, segments the coast, scores it and measures the models
before it serves. Each of these steps is a function of inputs (files in ``data/``, stored rows, the served
weights, the code that computes it) that writes results into the database. When a step has run, the
:class:`Ledger` notes two fingerprints: of its **inputs** and of its **results** as stored. On the next start the
step is skipped when both are still the same:

- an input that changed (a file, a new or reviewed incident, a landing, fitted weights, the code of ``geo/``) makes
  the step run again, and the line it prints names what changed;
- results that changed behind its back (scores re-computed by the server's background re-scorer, an evaluation
  stored by ``pesisir model evaluate``, a segment deleted by hand) make it run again too: a fingerprint describes
  what the step stored, never merely that it once ran.

Scores also depend on the time through their cut-off (``data_cutoff``): events dated after the cut-off of the
stored scores and now past make them run again. The ageing of older events (a half-life of a year,
``geo.factors``) moves every weight by the same factor and is not a reason to re-score on its own.

The ledger is a JSON file per database in ``<PESISIR_DATA_DIR>/prepared/``. It is only a cache: a missing,
unreadable or stale file makes the steps run, as on a first start; one that cannot be written is said and changes
nothing else. The fingerprints are digests computed by PostgreSQL over every row of the tables a step reads
(``app.db.repositories.fingerprints``): tens of milliseconds on Sumenep's tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db import rls
from app.db.repositories import fingerprints as fp
from geo.i18n import Message

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
GEO = ROOT / "geo"
SERVICES = Path(__file__).resolve().parent

Parts = dict[str, str]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (12 hex digits), or ``missing``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "missing"


def code_digest(paths: Iterable[Path]) -> str:
    """SHA-256 of the source of the modules (and every ``*.py`` in the folders) given."""
    h = hashlib.sha256()
    for p in paths:
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f"{f.relative_to(ROOT)}\n".encode())
            h.update(f.read_bytes() if f.is_file() else b"missing")
    return h.hexdigest()[:12]


@dataclass(frozen=True)
class Step:
    """A preparation step: its name and how to fingerprint its inputs and its stored results in a session."""

    name: str
    inputs: Callable[[Session], Parts]
    results: Callable[[Session], Parts]


@dataclass(frozen=True)
class Check:
    current: bool
    reason: str
    """Why the step runs (what changed), or since when it is up to date."""


def base_step(islands: Path, harbours: Path, places: Path | None) -> Step:
    """``pesisir load-base``: the three files, and the rows of the three tables they fill."""

    def inputs(_: Session) -> Parts:
        return {
            "islands file": file_digest(islands),
            "harbours file": file_digest(harbours),
            "places file": "none" if places is None else file_digest(places),
            "code": code_digest([SERVICES / "base_data.py", GEO / "io.py", GEO / "routedata.py"]),
        }

    def results(session: Session) -> Parts:
        return {t: fp.table_digest(session, t) for t in ("islands", "harbours", "places")}

    return Step("base layers", inputs, results)


def demo_step(seed: int, n_incidents: int, n_landings: int) -> Step:
    """The demo data: rows are keyed by the seed, so the same seed, counts and generator add nothing again while
    the synthetic rows it stored are all there."""

    def inputs(_: Session) -> Parts:
        return {
            "seed and counts": f"{seed}/{n_incidents}/{n_landings}",
            "code": code_digest([SERVICES / "demo.py", GEO / "synthetic"]),
        }

    def results(session: Session) -> Parts:
        return {f"synthetic {t}": fp.synthetic_ids_digest(session, t) for t in ("incidents", "landings")}

    return Step("demo data", inputs, results)


def segment_step(length_m: float) -> Step:
    """``pesisir segment``: the stored islands, the land borders, the target length and the segmentation code."""

    def inputs(session: Session) -> Parts:
        return {
            "islands": fp.table_digest(session, "islands"),
            "land boundaries file": file_digest(DATA / "land_boundaries.geojson"),
            "segment length": repr(float(length_m)),
            "code": code_digest([GEO / "segmentation.py", GEO / "io.py", SERVICES / "risk.py"]),
        }

    def results(session: Session) -> Parts:
        return {"coastal segments": fp.table_digest(session, "coastal_segments")}

    return Step("coastal segments", inputs, results)


def _served_weights(fitted_dir: Path | None, prior_dir: Path, kind: str) -> str:
    fitted = None if fitted_dir is None else fitted_dir / f"{kind}.json"
    if fitted is not None and fitted.is_file():
        return f"fitted {file_digest(fitted)}"
    return f"prior {file_digest(prior_dir / f'{kind}.json')}"


def _model_inputs(session: Session, fitted_dir: Path | None, prior_dir: Path) -> Parts:
    """Everything the factors and the models read (``app.services.risk._inputs`` and the served weights)."""
    rls.see_all(session)  # every harbour's landings, as scoring sees them
    tables = ("islands", "harbours", "places", "patrol_bases", "coastal_segments", "incidents", "landings")
    parts = {t.replace("_", " "): fp.table_digest(session, t) for t in tables}
    parts["sea routes"] = fp.latest_route_build(session)
    parts["shipping lanes file"] = file_digest(DATA / "shipping_lanes.geojson")
    parts["land boundaries file"] = file_digest(DATA / "land_boundaries.geojson")
    for kind in ("landing", "tppo"):
        parts[f"{kind} weights"] = _served_weights(fitted_dir, prior_dir, kind)
    parts["code"] = code_digest([GEO, SERVICES / "risk.py"])
    return parts


def score_step(fitted_dir: Path | None, prior_dir: Path) -> Step:
    """``pesisir score`` (every season) with the served weights (``risk.ModelStore(fitted_dir, prior_dir)``)."""

    def results(session: Session) -> Parts:
        identity, cutoff = fp.current_scores(session)
        due = 0 if cutoff is None else fp.events_due_since(session, cutoff)
        return {"scores": identity, "events dated after the scores' cut-off, now past": str(due)}

    return Step("scores", lambda s: _model_inputs(s, fitted_dir, prior_dir), results)


def evaluation_step(fitted_dir: Path | None, prior_dir: Path) -> Step:
    """``pesisir model evaluate`` (real incidents when any is stored, else synthetic) of the served models; the
    scores are an input, as the evaluation describes the model version that colours the map."""

    def inputs(session: Session) -> Parts:
        return {**_model_inputs(session, fitted_dir, prior_dir), "scores": fp.current_scores(session)[0]}

    def results(session: Session) -> Parts:
        return {"evaluation": fp.latest_evaluation(session)}

    return Step("accuracy", inputs, results)


@dataclass
class Ledger:
    """The fingerprints noted when each step last ran, in a JSON file (``path``; None: nothing is kept)."""

    path: Path | None
    database: str = ""
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, data_dir: Path, database: str) -> Ledger:
        """The ledger of ``database`` (a URL without its password) in ``<data_dir>/prepared``; empty when the file
        is missing, unreadable or of another database."""
        name = hashlib.sha256(database.encode()).hexdigest()[:16]
        ledger = cls(data_dir / "prepared" / f"{name}.json", database)
        try:
            stored = json.loads(ledger.path.read_text()) if ledger.path is not None else {}
        except (OSError, ValueError):
            stored = {}
        if isinstance(stored, dict) and stored.get("database") == database and isinstance(stored.get("steps"), dict):
            ledger.steps = stored["steps"]
        return ledger

    def check(self, session: Session, step: Step) -> Check:
        """Whether ``step`` may be skipped: its inputs and its stored results are those noted when it last ran."""
        noted = self.steps.get(step.name)
        if noted is None:
            return Check(False, Message("cli.reasons.first_run"))
        inputs, results = step.inputs(session), step.results(session)
        changed = sorted(k for k in inputs.keys() | noted["inputs"].keys() if inputs.get(k) != noted["inputs"].get(k))
        if changed:
            return Check(False, Message("cli.reasons.inputs_changed", at=noted["at"][:16], names=", ".join(changed)))
        moved = sorted(k for k in results.keys() | noted["results"].keys() if results.get(k) != noted["results"].get(k))
        if moved:
            return Check(False, Message("cli.reasons.results_changed", at=noted["at"][:16], names=", ".join(moved)))
        return Check(True, Message("cli.reasons.unchanged", at=noted["at"][:16]))

    def note(self, session: Session, step: Step) -> None:
        """Note ``step``'s fingerprints, in the session that just ran it (before its commit); :meth:`save` keeps
        them once the transaction has committed."""
        at = datetime.now(UTC).isoformat(sep=" ", timespec="seconds")
        self.steps[step.name] = {"inputs": step.inputs(session), "results": step.results(session), "at": at}

    def forget(self, step: Step) -> None:
        self.steps.pop(step.name, None)

    def save(self) -> str | None:
        """Write the ledger (atomically); the reason when it cannot be written (the next start then redoes the
        steps), else None."""
        if self.path is None:
            return None
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"database": self.database, "steps": self.steps}, indent=1, sort_keys=True))
            tmp.replace(self.path)
        except OSError as exc:
            return f"cannot write {self.path} ({exc.strerror or exc}): the next start will redo every step"
        return None
