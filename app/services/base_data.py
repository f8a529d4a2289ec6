"""Loading the base layers (islands, harbours and the routes' places) from files: Pesisir's own in data/, or a
user's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.errors import InvalidInput
from app.services import audit
from geo import routedata
from geo.io import LayerError, check_harbours, check_islands, check_patrol_bases, read_layer

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_ISLANDS = DATA_DIR / "sumenep_islands.geojson"
DEFAULT_HARBOURS = DATA_DIR / "harbours.csv"
DEFAULT_LAND_BOUNDARIES = DATA_DIR / "land_boundaries.geojson"
"""Outline edges that are land borders, not coast (Madura's cut at the Pamekasan boundary)."""
DEFAULT_PLACES = routedata.ROUTES_DIR / "places.csv"
"""The routes' gazetteer: every harbour of the regency and the ports and staging areas outside it."""


@dataclass(frozen=True)
class LoadReport:
    layer: str
    inserted: int
    updated: int
    total: int
    deleted: int = 0


def _read(path: Path, check: Any, what: str) -> gpd.GeoDataFrame:
    try:
        return check(read_layer(path), what=str(path))
    except LayerError as exc:
        raise InvalidInput(f"{what}: {exc}") from None


def _store(
    session: Session,
    layer: str,
    upsert: Callable[[Session, list[dict[str, Any]]], tuple[int, int]],
    rows: list[dict[str, Any]],
    *,
    path: Path,
    actor: str,
    prune: Callable[[Session, list[str]], int] | None = None,
    key: str = "slug",
) -> LoadReport:
    """Upsert the rows (then ``prune`` the ones not in the file, when given); audit the load if it changed anything."""
    inserted, updated = upsert(session, rows)
    deleted = prune(session, [r[key] for r in rows]) if prune is not None else 0
    if inserted or updated or deleted:
        after = {"file": path.name, "inserted": inserted, "updated": updated, "deleted": deleted}
        audit.record(session, actor, "load", layer, after=after)
    return LoadReport(layer, inserted, updated, len(rows), deleted)


def load_islands(session: Session, path: Path = DEFAULT_ISLANDS, *, actor: str = "cli") -> LoadReport:
    frame = _read(path, check_islands, "islands")
    rows = [
        {
            "code": str(r.code),
            "name": str(r.name),
            "official_codes": list(r.official_codes),
            "official_names": list(r.official_names),
            "inhabited": bool(r.inhabited),
            "kecamatan": r.kecamatan if isinstance(r.kecamatan, str) else None,
            "geom": repo.ewkt(r.geometry),
            "area_km2": float(r.area_km2),
            "official_area_km2": None
            if r.official_area_km2 is None or r.official_area_km2 != r.official_area_km2
            else float(r.official_area_km2),
            "source": str(r.source),
        }
        for r in frame.itertuples(index=False)
    ]
    # An OSM- code is made from the polygon's own position, not an identity: when the layer is rebuilt, a polygon
    # that was merged into its named island (a split part of Ra'as, say) or redrawn by OSM loses its code, and
    # its old row would be segmented and scored again beside the island that now carries it. Official codes are
    # identities and are never pruned.
    return _store(
        session,
        "islands",
        repo.upsert_islands,
        rows,
        path=path,
        actor=actor,
        prune=repo.delete_generated_islands_except,
        key="code",
    )


def load_harbours(session: Session, path: Path = DEFAULT_HARBOURS, *, actor: str = "cli") -> LoadReport:
    frame = _read(path, check_harbours, "harbours")
    rows = [
        {
            "slug": str(r.slug),
            "name": str(r.name),
            "kind": str(r.kind),
            "monitored": bool(r.monitored),
            "geom": repo.ewkt(r.geometry),
            "source": str(r.source),
        }
        for r in frame.itertuples(index=False)
    ]
    return _store(session, "harbours", repo.upsert_harbours, rows, path=path, actor=actor)


def load_patrol_bases(session: Session, path: Path, *, replace: bool = False, actor: str = "cli") -> LoadReport:
    """Load a patrol-bases layer (upsert by slug); with ``replace`` also remove the bases not in the file.

    The layer feeds the ``patrol_remoteness`` factor: re-score (``pesisir score``) after loading.
    """
    frame = _read(path, check_patrol_bases, "patrol bases")
    rows = [
        {
            "slug": str(r.slug),
            "name": str(r.name),
            "agency": str(r.agency) if isinstance(r.agency, str) and r.agency.strip() else None,
            "geom": repo.ewkt(r.geometry),
            "source": str(r.source),
        }
        for r in frame.itertuples(index=False)
    ]
    prune = repo.delete_patrol_bases_except if replace else None
    return _store(session, "patrol_bases", repo.upsert_patrol_bases, rows, path=path, actor=actor, prune=prune)


def read_places(path: Path = DEFAULT_PLACES) -> gpd.GeoDataFrame:
    """The places file (``slug,name,kind,lon,lat,province,source``) as EPSG:4326 points, checked by
    ``geo.routedata.load_places``; InvalidInput names the file, the row, the column and the rule."""
    try:
        return routedata.load_places(path)
    except ValueError as exc:
        raise InvalidInput(f"places: {exc}") from None


def load_places(session: Session, path: Path = DEFAULT_PLACES, *, actor: str = "cli") -> LoadReport:
    """Load the routes' places (upsert by slug), each linked to the harbour of the same slug. Load harbours first."""
    frame = read_places(path)
    rows = [
        {
            "slug": str(r.slug),
            "name": str(r.name),
            "kind": str(r.kind),
            "province": str(r.province),
            "geom": repo.ewkt(r.geometry),
            "source": str(r.source),
        }
        for r in frame.itertuples(index=False)
    ]
    return _store(session, "places", repo.upsert_places, rows, path=path, actor=actor)


def load_base(
    session: Session,
    *,
    islands: Path = DEFAULT_ISLANDS,
    harbours: Path = DEFAULT_HARBOURS,
    places: Path | None = DEFAULT_PLACES,
    actor: str = "cli",
) -> list[LoadReport]:
    """Load islands, then harbours (which are attached to the island they stand on), then the routes' places
    (linked to their harbours). Idempotent. ``places=None`` leaves the places out."""
    reports = [load_islands(session, islands, actor=actor), load_harbours(session, harbours, actor=actor)]
    if places is not None:
        reports.append(load_places(session, places, actor=actor))
    return reports
