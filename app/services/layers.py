"""Who may see which property of the published layers, the filters they take, and the provenance every copy of
them carries. Exports, vector tiles and OGC API Features all go through here, so a planner sees the same
properties whichever way the data leaves."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import Session

from app.db.repositories import layers as repo
from app.db.repositories import risk as risk_repo
from app.db.repositories import routes as routes_repo
from app.db.repositories.layers import Filters
from app.errors import Forbidden, InvalidParameter, NotFound
from app.security import REVIEWERS
from geo.vocabulary import HARBOUR_KINDS, INCIDENT_KINDS, RISK_CLASSES, RISK_KINDS, SEASONS

Audience = Literal["planner", "full"]
AUDIENCES: tuple[Audience, ...] = ("planner", "full")

# The one allow-list of what planners (and anyone not entitled to more) see, per layer; every surface a planner
# reaches (exports, vector tiles, OGC API Features, /api/v1/incidents, the map) is derived from it, and a test walks
# them all against it (tests/api/test_planner_policy.py). Personal data (vessel names and registrations,
# reporters), free text (narratives, landings' notes, review reasons, sources and origins a person typed) and
# identifiers that lead to them (an incident's UUID) never appear here.
#
# Landings are not in it at all: a landing report is one boat's arrival at one place and hour, with how many people
# were aboard, how many were foreign and under which flag. At a small harbour that picks out the boat and the
# people on it, whatever fields are left out; planners need where the coast is at risk, which the scores (built
# from the landings) and the corridors tell them. So a planner gets no landing on any surface: 403 on the layer.
PLANNER_PROPERTIES: dict[str, tuple[str, ...]] = {
    "islands": (
        "code",
        "name",
        "official_codes",
        "official_names",
        "inhabited",
        "kecamatan",
        "area_km2",
        "official_area_km2",
        "source",
    ),
    "harbours": ("slug", "name", "kind", "monitored", "island_code", "island_name", "source"),
    "segments": (
        "island_code",
        "island_name",
        "ordinal",
        "length_m",
        "seaward_bearing",
        "risk_kind",
        "season",
        "score",
        "risk_class",
        "contributions",
        "model_version",
        "weights_source",
        "class_stability",
        "data_cutoff",
        "computed_at",
    ),
    "incidents": (
        "kind",
        "occurred_start",
        "occurred_end",
        "precision_m",
        "people",
        "vessels",
        "confidence",
        "review_state",
        "synthetic",
    ),
    # Built from cited tables and the sea graph: no person in them.
    "corridors": ("risk_kind", "season", "traffic", "flows", "graph_version"),
    "ferry_routes": ("route", "name", "from_slug", "to_slug", "hours", "distance_km", "graph_version"),
}

_KINDS: dict[str, tuple[str, ...]] = {
    "segments": RISK_KINDS,
    "harbours": HARBOUR_KINDS,
    "incidents": INCIDENT_KINDS,
    "corridors": RISK_KINDS,
}
ROUTE_SOURCES = (
    "data/routes/flows.csv, ferries.csv, places.csv, boats.csv, sea_states.csv, sea_areas.geojson and land.fgb "
    "(each cited in data/README.md)"
)
"""What the corridors and ferry routes are made from, as their provenance says."""


def audience_for(role: str | None) -> Audience:
    """The audience a user's role gets: the roles that read narratives (``app.security.REVIEWERS``: intelligence
    and admin) see everything, every other role (and nobody logged in) sees the planners' allow-list."""
    return "full" if role in REVIEWERS else "planner"


def layer(name: str) -> repo.Layer:
    found = repo.LAYERS.get(name)
    if found is None:
        raise NotFound.coded("layers.unknown", name=name, allowed=", ".join(repo.LAYERS))
    return found


def visible(layer_name: str, audience: Audience) -> bool:
    """Whether ``audience`` sees the layer at all."""
    return audience == "full" or layer_name in PLANNER_PROPERTIES


def properties(layer_: repo.Layer, audience: Audience) -> list[str]:
    """The properties ``audience`` may see of the layer, in the layer's order; Forbidden for a layer it may not
    see (planners: landings)."""
    if audience == "full":
        return list(layer_.columns(RISK_KINDS[0]))
    if audience == "planner":
        if layer_.name not in PLANNER_PROPERTIES:
            raise Forbidden.coded("layers.not_for_planners", name=layer_.name)
        return list(PLANNER_PROPERTIES[layer_.name])
    raise InvalidParameter.coded("layers.not_one_of", field="audience", allowed=", ".join(AUDIENCES), value=audience)


NARRATIVES: dict[str, tuple[str, frozenset[str]]] = {
    "incidents": ("incident", frozenset({"narrative", "source", "review_reason"})),
    "landings": ("landing", frozenset({"notes"})),
}
"""Per layer, the object its features are (as the audit log names it) and its properties that are free text a
person wrote about people: reading them in bulk is audited (``audit.bulk_read``)."""

NOT_IN_TILES: dict[str, frozenset[str]] = {"landings": frozenset({"notes"})}
"""Properties no vector tile carries, whatever the audience: a tile is cached by the browser and drawn on a map,
and a landing's notes are read with the landing (the API, exports, OGC API Features), not on a map."""


def narrative_object(layer_: repo.Layer, props: list[str]) -> str | None:
    """The object type (``incident``, ``landing``) when features of ``layer_`` with ``props`` carry free text about
    people (audited when read in bulk), else None."""
    kind, fields = NARRATIVES.get(layer_.name, ("", frozenset()))
    return kind if fields & set(props) else None


def tile_properties(layer_: repo.Layer, audience: Audience) -> list[str]:
    """``properties`` without those no vector tile carries (:data:`NOT_IN_TILES`)."""
    hidden = NOT_IN_TILES.get(layer_.name, frozenset())
    return [p for p in properties(layer_, audience) if p not in hidden]


@dataclass(frozen=True)
class Query:
    """A layer, the risk kind its scores are for, and validated filters."""

    layer: repo.Layer
    risk: str
    filters: repo.Filters


def query(layer_name: str, filters: Filters = Filters(), *, season: str = "annual") -> Query:
    """Check each filter against the layer and name the parameter and the rule it breaks (400). ``filters``
    hold values already parsed (``app.params``).

    ``filters.kind`` is the harbour or incident kind, or for segments the risk kind whose scores they carry;
    ``season`` (segments) picks the annual, west- or east-monsoon scores."""
    lay = layer(layer_name)
    interval, kind, risk_class, min_score = filters.interval, filters.kind, filters.risk_class, filters.min_score
    if season not in SEASONS:
        raise InvalidParameter.coded("layers.not_one_of", field="season", allowed=", ".join(SEASONS), value=season)
    if season != "annual" and not lay.scored:
        raise InvalidParameter.coded("layers.no_scores", field="season", name=lay.name)
    if interval is not None and lay.time_start is None:
        raise InvalidParameter.coded("layers.no_time", name=lay.name)
    if kind is not None:
        allowed = _KINDS.get(lay.name)
        if allowed is None:
            raise InvalidParameter.coded("layers.no_kind", name=lay.name, layers=", ".join(_KINDS))
        if kind not in allowed:
            raise InvalidParameter.coded("layers.unknown_kind", allowed=", ".join(allowed), name=lay.name, value=kind)
    if (risk_class is not None or min_score is not None) and not lay.scored:
        name = "class" if risk_class is not None else "min_score"
        raise InvalidParameter.coded("layers.no_scores", field=name, name=lay.name)
    if risk_class is not None and risk_class not in RISK_CLASSES:
        raise InvalidParameter.coded(
            "layers.not_one_of", field="class", allowed=", ".join(RISK_CLASSES), value=risk_class
        )
    if min_score is not None and not (math.isfinite(min_score) and 0 <= min_score <= 1):
        raise InvalidParameter.coded("layers.min_score_range", value=min_score)
    risk = repo.risk_key(kind if lay.scored and kind is not None else RISK_KINDS[0], season)
    return Query(lay, risk, replace(filters, kind=None) if lay.scored else filters)


@dataclass(frozen=True)
class Provenance:
    generated_at: str
    model_version: str | None
    data_cutoff: str | None
    extra: tuple[tuple[str, str | None], ...] = ()
    """More provenance of layers that are not a model's (the routes build's graph version, time and sources)."""

    def as_dict(self) -> dict[str, str | None]:
        base = {"generated_at": self.generated_at, "model_version": self.model_version, "data_cutoff": self.data_cutoff}
        return {**base, **dict(self.extra)}


def provenance(session: Session, q: Query) -> Provenance:
    """When this copy was made, and which model version, weights (expert prior or a fit, ``weights_source``) and
    data cut-off its scores (if any) come from.

    Segments carry their risk kind's model; other layers name every current model (``landing=...; tppo=...``).
    The routes' layers name the build they come from instead: sea graph version, when, and the sources."""
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if q.layer.name in repo.ROUTE_LAYERS:
        build = routes_repo.latest_build(session)
        extra = (
            ("graph_version", build.graph_version if build else None),
            ("built_at", build.built_at.isoformat() if build else None),
            ("sources", ROUTE_SOURCES),
        )
        return Provenance(now, None, None, extra)
    versions = risk_repo.current_score_versions(session)
    kind = q.risk.partition("/")[0]
    if q.layer.scored:
        versions = {k: v for k, v in versions.items() if k == kind}
    if not versions:
        return Provenance(now, None, None)
    sources = risk_repo.current_weights_sources(session)
    if q.layer.scored:
        (version, cutoff) = versions[kind]
        return Provenance(now, version, cutoff.isoformat(), (("weights_source", sources.get(kind)),))
    model = "; ".join(f"{k}={versions[k][0]}" for k in sorted(versions))
    weights = "; ".join(f"{k}={sources[k]}" for k in sorted(versions) if sources.get(k))
    return Provenance(now, model, max(c for _, c in versions.values()).isoformat(), (("weights_source", weights),))
