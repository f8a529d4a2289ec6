"""Sea routes: a least-time route between two places or points for a boat class and season, the corridor layer,
and ``pesisir routes build``, which draws the ferry routes and the corridors over the sea graph and stores them
with the corridor exposure of every coastal segment.

The sea graph is a file (``seagraph-<version>.npz`` in ``Settings.routes_dir``), not a table: it is large, read
whole, and rebuilt from committed data. The web process loads it once into a process-wide
:class:`geo.seagraph.Router` (``router``), the first time a route is asked for; it never builds it (that takes
tens of seconds): without the file a route is a 503 naming ``pesisir routes build``.

The map calls :func:`route` and :func:`corridors_geojson`.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import shapely
from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.repositories import risk as risk_repo
from app.db.repositories import routes as routes_repo
from app.errors import InvalidInput, NotReady
from geo import corridors, routedata, seagraph
from geo.i18n import Message
from geo.validation import GeoInputError
from geo.vocabulary import BOAT_CLASSES, RISK_KINDS, ROUTE_SEASONS


class Progress(Protocol):
    """Told what a long step is doing, and how far along it is when that is known."""

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None: ...


AVOID = ("monitored",)


def _noop(message: str, done: int | None = None, total: int | None = None) -> None:
    return None


# -- the process-wide router ----------------------------------------------------------------------------------
_lock = threading.Lock()
_routers: dict[Path, seagraph.Router] = {}
_versions: dict[tuple[tuple[int, int], ...], str] = {}


def _graph_inputs() -> tuple[Path, ...]:
    return (seagraph.LAND_MASK, seagraph.SEA_AREAS, seagraph.PLACES)


def graph_version() -> str:
    """The version the sea graph of the committed data has (a hash of its input files, parameters and code),
    without building it. Remembered per the files' size and modification time: it is asked on every route."""
    try:
        stamp = tuple((st.st_mtime_ns, st.st_size) for st in (p.stat() for p in _graph_inputs()))
    except FileNotFoundError as exc:
        raise NotReady.coded("routes.graph_input_missing", file=str(exc.filename)) from None
    if stamp not in _versions:
        _versions[stamp] = seagraph.inputs_version()
    return _versions[stamp]


def graph_file(routes_dir: Path) -> Path:
    return routes_dir / f"seagraph-{graph_version()}.npz"


def router(routes_dir: Path) -> seagraph.Router:
    """The router over the current sea graph in ``routes_dir``, loaded once per process and graph file.
    NotReady (503) when the graph has not been built for the current data."""
    path = graph_file(routes_dir)
    found = _routers.get(path)
    if found is not None:
        return found
    with _lock:  # one thread loads (seconds: the graph, the land mask, the tables); the others wait for it
        found = _routers.get(path)
        if found is None:
            if not path.is_file():
                raise NotReady.coded("routes.graph_not_built")
            found = seagraph.Router(seagraph.SeaGraph.load(path))
            _routers.clear()  # an older graph's router is not asked for again
            _routers[path] = found
    return found


def ensure_graph(routes_dir: Path, *, progress: Progress = _noop) -> seagraph.Router:
    """The router over the current sea graph, built first when it is missing (the CLI's way; the API never builds)."""
    try:
        graph = seagraph.load_or_build(routes_dir, progress=progress)
    except GeoInputError as exc:  # a missing or bad input file, named
        raise InvalidInput(str(exc)) from None
    return _remember(routes_dir, graph)


def _remember(routes_dir: Path, graph: seagraph.SeaGraph) -> seagraph.Router:
    """A router over a graph just loaded or built, kept for later calls in this process."""
    with _lock:
        path = routes_dir / f"seagraph-{graph.version}.npz"
        found = _routers.get(path)
        if found is None:
            found = seagraph.Router(graph)
            _routers.clear()
            _routers[path] = found
        return found


# -- one route --------------------------------------------------------------------------------------------------
def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise InvalidInput.coded("routes.not_one_of", name=name, allowed=", ".join(allowed), value=repr(value))
    return value


@dataclass(frozen=True)
class End:
    """One end of a route: what the caller wrote (a slug, or lon,lat) and where it is."""

    name: str
    lonlat: tuple[float, float]


def _end(session: Session, text: str, name: str) -> End:
    """A place slug or ``lon,lat`` (WGS 84 degrees); InvalidInput naming the parameter otherwise."""
    value = text.strip()
    if "," in value:
        parts = value.split(",")
        try:
            lon, lat = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
        except ValueError:
            lon = lat = math.nan
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise InvalidInput.coded("routes.end_not_lonlat", name=name, text=repr(text))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput.coded("routes.end_out_of_range", name=name, text=repr(text))
        return End(f"{lon},{lat}", (lon, lat))
    slug = value.lower()
    found = routes_repo.place_lonlat(session, slug) if slug else None
    if found is None:
        raise InvalidInput.coded("routes.unknown_place", name=name, text=repr(text))
    return End(slug, found)


def route(
    session: Session,
    routes_dir: Path,
    *,
    origin: str,
    destination: str,
    boat: str,
    season: str,
    avoid: str | None = None,
) -> seagraph.Route:
    """The least-time route from ``origin`` to ``destination`` (place slugs or ``lon,lat``) for ``boat`` in the
    route ``season``; ``avoid="monitored"`` keeps clear of monitored harbours and patrol bases where the detour
    is worth it. Bad input is InvalidInput naming the parameter; no graph yet is NotReady."""
    _choice(boat, BOAT_CLASSES, "boat")
    _choice(season, ROUTE_SEASONS, "season")
    if avoid is not None:
        _choice(avoid, AVOID, "avoid")
    a, b = _end(session, origin, "origin"), _end(session, destination, "destination")
    if a.name == b.name or a.lonlat == b.lonlat:
        raise InvalidInput.coded("routes.same_ends")
    watched = np.array(routes_repo.watched_points(session), dtype=np.float64).reshape(-1, 2) if avoid else None
    r = router(routes_dir)
    try:
        return r.route(
            a.lonlat, b.lonlat, boat=boat, season=season, avoid=watched, origin_name=a.name, destination_name=b.name
        )
    except GeoInputError as exc:  # the router names the parameter: a point on land, outside the graph, ...
        if str(exc).startswith(("origin:", "destination:", "boat:", "season:")):
            raise router_error(str(exc)) from None
        raise  # a bad table under data/routes (sea_states: ...) is no fault of the query


_ROUTER_ERRORS = (
    (r"(?P<name>origin|destination): (?P<point>\S+) lies on land, (?P<depth>\S+) m from the sea", "routes.on_land"),
    (
        r"(?P<name>origin|destination): (?P<point>\S+) lies outside the sea graph "
        r"\((?P<x0>\S+) to (?P<x1>\S+) E, (?P<y0>\S+) to (?P<y1>\S+)\)",
        "routes.outside_graph",
    ),
    (r"(?P<name>origin|destination|point): no open water within 10 km", "routes.no_open_water"),
    (r"(?P<name>origin|destination|point): no open water reachable within 10 km", "routes.no_open_water_reachable"),
    (r"destination: must differ from origin", "routes.same_ends"),
    (r"destination: no sea route reaches it from origin", "routes.unreachable"),
    (r"(?P<name>boat|season): must be one of (?P<allowed>.+), got (?P<value>'.*')", "routes.not_one_of"),
)
ROUTER_ERRORS = tuple((re.compile(pattern), code) for pattern, code in _ROUTER_ERRORS)
"""The router's messages about a query (:mod:`geo.seagraph` is pure and knows no catalogue), each with its code:
the parts in the message become the code's parameters."""


def router_error(text: str) -> InvalidInput:
    """The router's refusal of a query as a coded error whose English is ``text`` exactly; one not in
    :data:`ROUTER_ERRORS` stays as the router said it (English only, code ``invalid_input``)."""
    for pattern, code in ROUTER_ERRORS:
        m = pattern.fullmatch(text)
        if m:
            exc = InvalidInput.coded(code, **m.groupdict())
            if str(exc) == text:
                return exc
    return InvalidInput(text)


def route_feature(session: Session, routes_dir: Path, **query: Any) -> dict[str, Any]:
    """:func:`route` as a GeoJSON Feature."""
    return route(session, routes_dir, **query).to_feature()


# -- corridors --------------------------------------------------------------------------------------------------
def corridors_geojson(session: Session, *, kind: str | None = None, season: str | None = None) -> str:
    """The stored corridors as a GeoJSON FeatureCollection (``risk_kind``, route ``season``, ``traffic``,
    ``flows``, ``graph_version``), optionally of one risk kind and one route season; heaviest last."""
    if kind is not None:
        _choice(kind, RISK_KINDS, "risk")
    if season is not None:
        _choice(season, ROUTE_SEASONS, "season")
    return routes_repo.corridors_geojson(session, kind=kind, season=season)


# -- pesisir routes build -------------------------------------------------------------------------------------------
def inputs_hash(session: Session, version: str) -> str:
    """What a build depends on: every file in data/routes/, the stored islands, places and segment ids, the sea
    graph's version and the corridor code. A change in any of them makes ``pesisir run`` build again."""
    h = hashlib.sha256(f"graph {version}\n".encode())
    for p in sorted(seagraph.ROUTES_DIR.glob("*")):
        if p.is_file():
            h.update(f"file {p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}\n".encode())
    islands = repo.islands_frame(session)
    for code, geom in zip(islands["code"], islands.geometry, strict=True):
        h.update(f"island {code} {hashlib.sha256(shapely.to_wkb(geom)).hexdigest()}\n".encode())
    places = repo.places_frame(session)
    for slug, geom in zip(places["slug"], places.geometry, strict=True):
        h.update(f"place {slug} {geom.x!r} {geom.y!r}\n".encode())
    for lon, lat in sorted(routes_repo.watched_points(session)):  # what the corridors keep clear of
        h.update(f"watched {lon!r} {lat!r}\n".encode())
    h.update(("segments " + ",".join(risk_repo.segment_ids(session)) + "\n").encode())
    h.update(hashlib.sha256(inspect.getsource(corridors).encode()).digest())
    return h.hexdigest()


@dataclass(frozen=True)
class Status:
    up_to_date: bool
    reason: str


def status(session: Session, routes_dir: Path) -> Status:
    """Whether the stored build matches the current inputs and its sea graph is in ``routes_dir``."""
    latest = routes_repo.latest_build(session)
    if latest is None:
        return Status(False, Message("cli.reasons.no_build"))
    version = graph_version()
    if not graph_file(routes_dir).is_file():
        return Status(False, Message("cli.reasons.no_graph", version=version, path=str(routes_dir)))
    if latest.inputs_hash != inputs_hash(session, version):
        return Status(False, Message("cli.reasons.routes_inputs_changed"))
    return Status(
        True, Message("cli.reasons.built", at=f"{latest.built_at:%Y-%m-%d %H:%M}", version=latest.graph_version)
    )


@dataclass(frozen=True)
class BuildReport:
    graph_version: str
    nodes: int
    edges: int
    ferry_routes: int
    corridors: int
    exposure_rows: int
    unserved: int
    """Flow x season x boat class combinations that could not sail (every way closed by the sea state)."""
    seconds: float


def _lines(geom: Any) -> list[Any]:
    """A line layer's geometry as LineStrings (a MultiLineString becomes its parts)."""
    if geom is None or geom.is_empty:
        return []
    return [g for g in shapely.get_parts(geom) if g.geom_type == "LineString" and not g.is_empty]


def build(session: Session, routes_dir: Path, *, progress: Progress = _noop) -> BuildReport:
    """Load or build the sea graph, draw the ferry routes over it, compute the corridors and every segment's
    corridor exposure, and replace what is stored (flushes; the caller's transaction makes it all or nothing)."""
    started = time.monotonic()
    segments = risk_repo.segments_frame(session)
    if segments.empty:
        raise InvalidInput.coded("data.no_segments")
    places = repo.places_frame(session)
    if places.empty:
        raise InvalidInput.coded("data.no_places")
    progress("sea graph: loading or building")
    r = ensure_graph(routes_dir, progress=progress)
    graph = r.graph
    known = list(places["slug"])
    # Smugglers keep clear of where they would be seen: the corridors are routed as avoid=monitored routes are.
    watched = np.array(routes_repo.watched_points(session), dtype=np.float64).reshape(-1, 2)

    def steps(done: int, total: int, message: str) -> None:
        progress(f"corridors: {message}", done, total)

    try:
        flows, ferries = routedata.load_flows(places=known), routedata.load_ferries(places=known)
        progress("ferry routes")
        ferry = corridors.ferry_routes(r, places, ferries)
        progress("corridors")
        result = corridors.build_corridors(
            r, places, flows, segments=segments, avoid=watched if len(watched) else None, progress=steps
        )
    except GeoInputError as exc:  # a bad row in flows.csv or ferries.csv: the message names file, row and rule
        raise InvalidInput(str(exc)) from None
    labels = {i + 1: f"{f.origin} > {f.destination}" for i, f in enumerate(flows.itertuples(index=False))}

    ferry_rows = [
        {
            "route": str(f.route),
            "name": str(f.name),
            "from_slug": str(f.from_slug),
            "to_slug": str(f.to_slug),
            "hours": float(f.hours),
            "distance_km": float(f.distance_km),
            "graph_version": graph.version,
            "geom": repo.ewkt(line),
        }
        for f in ferry.to_crs("EPSG:4326").itertuples(index=False)
        for line in _lines(f.geometry)
    ]
    corridor_rows = [
        {
            "risk_kind": str(c.risk_kind),
            "season": str(c.season),
            "traffic": float(c.traffic),
            "flows": _flow_labels(c.flows, labels),
            "graph_version": graph.version,
            "geom": repo.ewkt(line),
        }
        for c in result.lines.to_crs("EPSG:4326").itertuples(index=False)
        for line in _lines(c.geometry)
    ]
    exposure = result.exposure
    if not exposure.index.isin(segments["id"]).all():  # indexed like the frame given, not by segment id
        exposure = exposure.set_axis(segments["id"].to_numpy(), axis=0)
    exposure_rows = []
    for column in exposure.columns:
        kind, _, season = str(column).partition(":")
        _choice(kind, RISK_KINDS, "corridor exposure column")
        _choice(season, ROUTE_SEASONS, "corridor exposure column")
        exposure_rows += [
            {"segment_id": str(sid), "risk_kind": kind, "season": season, "value": float(v)}
            for sid, v in zip(exposure.index, exposure[column].to_numpy(dtype=np.float64), strict=True)
            if math.isfinite(v)
        ]
    seconds = time.monotonic() - started
    progress("storing")
    routes_repo.replace_layers(
        session,
        ferries=ferry_rows,
        corridors=corridor_rows,
        exposure=exposure_rows,
        build={
            "graph_version": graph.version,
            "inputs_hash": inputs_hash(session, graph.version),
            "nodes": graph.n_nodes,
            "edges": graph.n_edges,
            "corridors": len(corridor_rows),
            "seconds": round(seconds, 2),
        },
    )
    return BuildReport(
        graph.version,
        graph.n_nodes,
        graph.n_edges,
        len(ferry_rows),
        len(corridor_rows),
        len(exposure_rows),
        len(result.unserved),
        seconds,
    )


def _flow_labels(numbers: object, labels: dict[int, str]) -> str:
    """A corridor line's flows (numbers: rows of flows.csv, from 1) as readable ``1: origin > destination`` items."""
    out = []
    for part in str(numbers).replace(";", ",").split(","):
        part = part.strip()
        if part.isdigit():
            out.append(f"{part}: {labels.get(int(part), '?')}")
        elif part:
            out.append(part)
    return "; ".join(out)
