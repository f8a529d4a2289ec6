"""The cited tables that sea routes and corridors read, from ``data/routes/``, validated.

Every loader reads one file, checks every row and returns a frame; a bad file fails with one ``GeoInputError`` (a
:class:`RouteDataError`) naming the file, the data row (1-based, the header not counted), the column and the
rule, so a user who edits a table sees at once what to fix. The tables (documented with their sources in
``data/README.md``):

``places.csv``
    The gazetteer: every harbour of ``data/harbours.csv`` plus the ports and staging areas outside the regency
    that boats come from or go to. ``slug`` (the key a route, a flow or a landing report names), ``name``,
    ``kind`` (one of :data:`geo.vocabulary.PLACE_KINDS`), ``lon``/``lat`` (WGS 84, at the quay, on the water's
    edge of the land mask), ``province``, ``source``.
``boats.csv``
    One row per boat class of :data:`geo.vocabulary.BOAT_CLASSES`: ``cruise_knots`` (speed in calm water) and
    ``max_wave_m`` (the significant wave height above which the class does not sail, after BMKG's
    shipping-safety thresholds).
``sea_states.csv``
    One row per sea area x route season (:data:`geo.vocabulary.SEA_AREAS` x
    :data:`geo.vocabulary.ROUTE_SEASONS`): the typical significant wave height ``wave_m`` and its WMO code 3700
    (Douglas) ``sea_state``, which must agree with ``wave_m``.
``sea_areas.geojson``
    One (Multi)Polygon per sea area, after IHO S-23; built by ``data/build_sea_areas.py``.
``flows.csv``
    The origin-destination flows corridors are computed for: ``origin`` and ``destination`` (a place slug, or
    :data:`geo.vocabulary.SUMENEP_COAST` for any point of Sumenep's coast), ``kind`` (a risk kind: ``landing``
    or ``tppo``), ``boats`` and ``seasons`` (``|``-separated; ``all`` for every route season), ``weight``
    (relative traffic, > 0), a one-sentence ``rationale`` and its ``source``.
``ferries.csv``
    The scheduled ferry and passenger-boat links (``route``, ``name``, ``from``, ``to``, ``operator``,
    ``source``) the ferry factor draws over the sea graph.
``sailing_times.csv``
    Published sailing times (``origin``, ``destination``, ``vessel_class``, ``hours``, ``vessel``, ``source``)
    that routes are checked against.

Each loader takes an optional ``path`` (default: the committed file under :data:`ROUTES_DIR`). Loaders whose
table names places take ``places`` (the known slugs; default: the committed gazetteer) and refuse a row that
names any other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import WGS84
from geo.validation import GeoInputError
from geo.vocabulary import BOAT_CLASSES, PLACE_KINDS, RISK_KINDS, ROUTE_SEASONS, SEA_AREAS, SUMENEP_COAST

ROUTES_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "routes"
"""Where the committed route tables live (``<repo>/data/routes``)."""

ROUTES_BOUNDS: Final = (110.5, -9.5, 120.5, -2.5)
"""The extent of the land mask and the sea areas (min lon, min lat, max lon, max lat); every place lies in it."""

ALL_SEASONS: Final = "all"
"""In ``flows.csv``'s ``seasons`` column: every route season."""

DOUGLAS_UPPER_M: Final = (0.0, 0.1, 0.5, 1.25, 2.5, 4.0, 6.0, 9.0, 14.0)
"""WMO code 3700 (Douglas sea scale): the upper wave height (m) of codes 0-8; code 9 is anything higher."""

_SLUG_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class RouteDataError(GeoInputError):
    """A route table that cannot be used: the message names the file, the row, the column and the rule."""


def douglas_code(wave_m: float) -> int:
    """The WMO code 3700 (Douglas) sea state of a significant wave height in metres.

    A height on a class boundary belongs to the lower class (1.25 m is "slight", 3), as in the code table.

    Examples
    --------
    >>> douglas_code(0.7), douglas_code(1.25), douglas_code(1.6), douglas_code(15.0)
    (3, 3, 4, 9)
    """
    for code, upper in enumerate(DOUGLAS_UPPER_M):
        if wave_m <= upper:
            return code
    return len(DOUGLAS_UPPER_M)


def load_places(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load and validate the places gazetteer.

    Parameters
    ----------
    path
        A CSV with ``slug,name,kind,lon,lat,province,source``; default ``ROUTES_DIR / "places.csv"``.

    Returns
    -------
    GeoDataFrame in EPSG:4326 with ``slug``, ``name``, ``kind``, ``province``, ``source`` and Point geometry,
    in file order.

    Raises
    ------
    RouteDataError
        A missing column; an empty, malformed or duplicate slug (or the reserved ``sumenep-coast``); an unknown
        kind; lon/lat not numbers or outside :data:`ROUTES_BOUNDS`; an empty name, province or source.

    Examples
    --------
    >>> places = load_places()
    >>> places.crs.to_epsg(), places.set_index("slug").loc["kalianget", "kind"]
    (4326, 'official_port')
    """
    p, df = _read(path, "places.csv", ("slug", "name", "kind", "lon", "lat", "province", "source"))
    _slugs(p, df, "slug")
    for row, value in _rows(df, "slug"):
        if value == SUMENEP_COAST:
            _fail(p, row, "slug", f"'{SUMENEP_COAST}' is reserved for the flows table's 'any Sumenep coast'")
    _member(p, df, "kind", PLACE_KINDS)
    x0, y0, x1, y1 = ROUTES_BOUNDS
    lon = _numbers(p, df, "lon", lambda v: x0 <= v <= x1, f"must lie within {x0}..{x1} (the land mask's extent)")
    lat = _numbers(p, df, "lat", lambda v: y0 <= v <= y1, f"must lie within {y0}..{y1} (the land mask's extent)")
    _required(p, df, ("name", "province", "source"))
    frame = df[["slug", "name", "kind", "province", "source"]].reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


def load_boats(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate the boat classes: speed and the wave height above which each does not sail.

    Parameters
    ----------
    path
        A CSV with ``slug,name,name_id,cruise_knots,max_wave_m,source``; default ``ROUTES_DIR / "boats.csv"``.

    Returns
    -------
    DataFrame indexed by ``slug`` in :data:`geo.vocabulary.BOAT_CLASSES` order, with ``cruise_knots`` and
    ``max_wave_m`` (floats), ``name``, ``name_id`` and ``source``.

    Raises
    ------
    RouteDataError
        An unknown or duplicate class, a class missing, a speed or wave limit that is not a number > 0, an
        empty name or source.

    Examples
    --------
    >>> boats = load_boats()
    >>> float(boats.loc["perahu", "max_wave_m"]) < float(boats.loc["steel_ship", "max_wave_m"])
    True
    """
    columns = ("slug", "name", "name_id", "cruise_knots", "max_wave_m", "source")
    p, df = _read(path, "boats.csv", columns)
    _member(p, df, "slug", BOAT_CLASSES)
    _unique(p, df, ("slug",))
    _complete(p, df, "slug", BOAT_CLASSES)
    speed = _numbers(p, df, "cruise_knots", lambda v: v > 0, "must be a number > 0")
    wave = _numbers(p, df, "max_wave_m", lambda v: v > 0, "must be a number > 0")
    _required(p, df, ("name", "name_id", "source"))
    out = df[["slug", "name", "name_id", "source"]].assign(cruise_knots=speed, max_wave_m=wave)
    out = out.set_index("slug").loc[list(BOAT_CLASSES)]
    return out[["cruise_knots", "max_wave_m", "name", "name_id", "source"]]


def load_sea_states(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate the typical sea state of every sea area in every route season.

    Parameters
    ----------
    path
        A CSV with ``area,season,wave_m,sea_state,source``; default ``ROUTES_DIR / "sea_states.csv"``.

    Returns
    -------
    DataFrame with a (``area``, ``season``) MultiIndex in vocabulary order, ``wave_m`` (float), ``sea_state``
    (int, WMO code 3700) and ``source``.

    Raises
    ------
    RouteDataError
        An unknown area or season, a pair given twice or missing, a wave height that is not a number >= 0, a
        sea state that is not the Douglas code of the wave height, an empty source.

    Examples
    --------
    >>> states = load_sea_states()
    >>> len(states), int(states.loc[("java_sea", "west"), "sea_state"])
    (15, 4)
    """
    p, df = _read(path, "sea_states.csv", ("area", "season", "wave_m", "sea_state", "source"))
    _member(p, df, "area", SEA_AREAS)
    _member(p, df, "season", ROUTE_SEASONS)
    _unique(p, df, ("area", "season"))
    present = set(zip(df["area"], df["season"], strict=True))
    for area in SEA_AREAS:
        for season in ROUTE_SEASONS:
            if (area, season) not in present:
                raise RouteDataError(
                    f"{p}: columns 'area', 'season': every sea area x route season needs a row; "
                    f"'{area}' x '{season}' is missing"
                )
    wave = _numbers(p, df, "wave_m", lambda v: v >= 0, "must be a number >= 0 (metres)")
    state = _numbers(p, df, "sea_state", lambda v: v == int(v) and 0 <= v <= 9, "must be a WMO code 3700 (0-9)")
    for (row, _), w, s in zip(_rows(df, "sea_state"), wave, state, strict=True):
        if int(s) != douglas_code(w):
            _fail(p, row, "sea_state", f"{int(s)} is not the WMO code 3700 of wave_m {w} m (that is {douglas_code(w)})")
    _required(p, df, ("source",))
    out = df[["area", "season", "source"]].assign(wave_m=wave, sea_state=[int(s) for s in state])
    order = {(a, s): i for i, (a, s) in enumerate((a, s) for a in SEA_AREAS for s in ROUTE_SEASONS)}
    out = out.assign(_order=[order[k] for k in zip(out["area"], out["season"], strict=True)]).sort_values("_order")
    return out.set_index(["area", "season"])[["wave_m", "sea_state", "source"]]


def load_sea_areas(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load and validate the sea-area polygons.

    Parameters
    ----------
    path
        A GeoJSON (or any vector file) with ``slug``, ``name``, ``source`` and (Multi)Polygons; default
        ``ROUTES_DIR / "sea_areas.geojson"``.

    Returns
    -------
    GeoDataFrame in EPSG:4326, one row per sea area in :data:`geo.vocabulary.SEA_AREAS` order.

    Raises
    ------
    RouteDataError
        A missing column, an unknown, duplicate or missing slug, an empty name or source, a geometry that is
        not a valid Polygon or MultiPolygon. Rows are counted as features, from 1.

    Examples
    --------
    >>> areas = load_sea_areas()
    >>> list(areas["slug"]) == ["java_sea", "madura_strait", "bali_sea", "flores_sea", "makassar_strait"]
    True
    """
    p = Path(path) if path is not None else ROUTES_DIR / "sea_areas.geojson"
    if not p.is_file():
        raise RouteDataError(f"{p}: file not found")
    try:
        frame = gpd.read_file(p, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise RouteDataError(f"{p}: cannot read as a vector layer ({exc})") from None
    missing = [c for c in ("slug", "name", "source") if c not in frame.columns]
    if missing:
        raise RouteDataError(f"{p}: missing column(s) {', '.join(missing)}")
    if frame.crs is None:
        raise RouteDataError(f"{p}: the layer has no CRS")
    frame = frame.to_crs(WGS84)
    df = frame[["slug", "name", "source"]].astype(object).where(frame[["slug", "name", "source"]].notna(), "")
    df = df.astype(str).apply(lambda col: col.str.strip())
    _member(p, df, "slug", SEA_AREAS)
    _unique(p, df, ("slug",))
    _complete(p, df, "slug", SEA_AREAS)
    _required(p, df, ("name", "source"))
    for row, geom in enumerate(frame.geometry, start=1):
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            kind = "nothing" if geom is None or geom.is_empty else geom.geom_type
            _fail(p, row, "geometry", f"must be a Polygon or MultiPolygon, not {kind}")
        if not geom.is_valid:
            _fail(p, row, "geometry", f"invalid polygon ({shapely.is_valid_reason(geom)})")
    out = gpd.GeoDataFrame(df, geometry=frame.geometry.values, crs=WGS84)
    return out.set_index("slug", drop=False).loc[list(SEA_AREAS)].reset_index(drop=True)


def load_flows(path: str | Path | None = None, *, places: Iterable[str] | None = None) -> pd.DataFrame:
    """Load and validate the origin-destination flows that corridors are computed for.

    Parameters
    ----------
    path
        A CSV with ``origin,destination,kind,boats,seasons,weight,rationale,source``; default
        ``ROUTES_DIR / "flows.csv"``.
    places
        The known place slugs; default: those of :func:`load_places` (the committed gazetteer).

    Returns
    -------
    DataFrame in file order (its index, from 0, identifies a flow) with ``origin``, ``destination``, ``kind``,
    ``boats`` and ``seasons`` (tuples in vocabulary order; ``all`` expanded to every route season), ``weight``
    (float), ``rationale`` and ``source``.

    Raises
    ------
    RouteDataError
        An unknown place (or ``sumenep-coast`` at both ends, or origin = destination), an unknown kind, boat
        class or season, a boat or season listed twice or none, a weight that is not a number > 0, an empty
        rationale or source.

    Examples
    --------
    >>> flows = load_flows()
    >>> set(flows["kind"]) == {"landing", "tppo"}, all(isinstance(b, tuple) for b in flows["boats"])
    (True, True)
    """
    columns = ("origin", "destination", "kind", "boats", "seasons", "weight", "rationale", "source")
    p, df = _read(path, "flows.csv", columns)
    known = _known_places(places)
    for column in ("origin", "destination"):
        for row, value in _rows(df, column):
            if value != SUMENEP_COAST and value not in known:
                _fail(p, row, column, f"unknown place '{value}' (a slug of places.csv, or '{SUMENEP_COAST}')")
    for (row, origin), destination in zip(_rows(df, "origin"), df["destination"], strict=True):
        if origin == destination:
            _fail(p, row, "destination", f"must differ from the origin ('{origin}')")
    _member(p, df, "kind", RISK_KINDS)
    boats = _lists(p, df, "boats", BOAT_CLASSES, allow_all=False)
    seasons = _lists(p, df, "seasons", ROUTE_SEASONS, allow_all=True)
    weight = _numbers(p, df, "weight", lambda v: v > 0, "must be a number > 0 (relative traffic)")
    _required(p, df, ("rationale", "source"))
    out = df[["origin", "destination", "kind"]].copy()
    # Object columns of tuples: assign through a Series so pandas keeps each tuple as one cell.
    out["boats"] = pd.Series(boats, index=df.index, dtype=object)
    out["seasons"] = pd.Series(seasons, index=df.index, dtype=object)
    out["weight"] = weight
    return out.assign(rationale=df["rationale"], source=df["source"]).reset_index(drop=True)


def load_ferries(path: str | Path | None = None, *, places: Iterable[str] | None = None) -> pd.DataFrame:
    """Load and validate the scheduled ferry and passenger-boat links.

    Parameters
    ----------
    path
        A CSV with ``route,name,from,to,operator,source``; default ``ROUTES_DIR / "ferries.csv"``.
    places
        The known place slugs; default: those of :func:`load_places`.

    Returns
    -------
    DataFrame in file order with the six columns.

    Raises
    ------
    RouteDataError
        An empty, malformed or duplicate route slug, an unknown place, from = to, an empty name, operator or
        source.

    Examples
    --------
    >>> ferries = load_ferries()
    >>> bool(((ferries["from"] == "kalianget") & (ferries["to"] == "kangean")).any())
    True
    """
    p, df = _read(path, "ferries.csv", ("route", "name", "from", "to", "operator", "source"))
    _slugs(p, df, "route")
    _places(p, df, ("from", "to"), _known_places(places))
    for (row, a), b in zip(_rows(df, "from"), df["to"], strict=True):
        if a == b:
            _fail(p, row, "to", f"must differ from 'from' ('{a}')")
    _required(p, df, ("name", "operator", "source"))
    return df.reset_index(drop=True)


def load_sailing_times(path: str | Path | None = None, *, places: Iterable[str] | None = None) -> pd.DataFrame:
    """Load and validate the published sailing times that routes are checked against.

    Parameters
    ----------
    path
        A CSV with ``origin,destination,vessel_class,hours,vessel,source``; default
        ``ROUTES_DIR / "sailing_times.csv"``.
    places
        The known place slugs; default: those of :func:`load_places`.

    Returns
    -------
    DataFrame in file order; ``hours`` is a float.

    Raises
    ------
    RouteDataError
        An unknown place or boat class, origin = destination, a pair and class given twice, hours that are not
        a number > 0, an empty vessel or source.

    Examples
    --------
    >>> times = load_sailing_times().set_index(["origin", "destination", "vessel_class"])
    >>> float(times.loc[("kalianget", "kangean", "speedboat"), "hours"])
    4.5
    """
    columns = ("origin", "destination", "vessel_class", "hours", "vessel", "source")
    p, df = _read(path, "sailing_times.csv", columns)
    _places(p, df, ("origin", "destination"), _known_places(places))
    for (row, a), b in zip(_rows(df, "origin"), df["destination"], strict=True):
        if a == b:
            _fail(p, row, "destination", f"must differ from the origin ('{a}')")
    _member(p, df, "vessel_class", BOAT_CLASSES)
    _unique(p, df, ("origin", "destination", "vessel_class"))
    hours = _numbers(p, df, "hours", lambda v: v > 0, "must be a number > 0")
    _required(p, df, ("vessel", "source"))
    return df.assign(hours=hours).reset_index(drop=True)


def check_place_references(
    places: gpd.GeoDataFrame | Iterable[str],
    *,
    flows: pd.DataFrame | None = None,
    ferries: pd.DataFrame | None = None,
    sailing_times: pd.DataFrame | None = None,
) -> None:
    """Check that loaded flows, ferries and sailing times name only places of a gazetteer.

    The loaders already check this against the places they are given; call this when the tables were loaded
    separately (for example a user's edited gazetteer against the committed flows).

    Raises
    ------
    RouteDataError
        Naming the table, its row (1-based), the column and the unknown slug.

    Examples
    --------
    >>> check_place_references(load_places(), flows=load_flows(), ferries=load_ferries())
    >>> check_place_references(["kalianget"], ferries=load_ferries())
    Traceback (most recent call last):
    ...
    geo.routedata.RouteDataError: ferries: row 1, column 'to': unknown place 'talango'
    """
    known = set(places["slug"]) if isinstance(places, gpd.GeoDataFrame) else set(places)
    tables: Sequence[tuple[str, pd.DataFrame | None, tuple[str, ...], bool]] = (
        ("flows", flows, ("origin", "destination"), True),
        ("ferries", ferries, ("from", "to"), False),
        ("sailing times", sailing_times, ("origin", "destination"), False),
    )
    for name, table, columns, coast_ok in tables:
        if table is None:
            continue
        for row, record in enumerate(table[list(columns)].itertuples(index=False), start=1):
            for column, value in zip(columns, record, strict=True):
                if value not in known and not (coast_ok and value == SUMENEP_COAST):
                    raise RouteDataError(f"{name}: row {row}, column '{column}': unknown place '{value}'")


# ---------------------------------------------------------------------------------------------------------------
# Helpers. Every cell is read as text (so "007" or "1e3" are seen as typed) and stripped; row numbers count data
# rows from 1, so row 1 is the line after the header.


def _read(path: str | Path | None, default: str, columns: tuple[str, ...]) -> tuple[Path, pd.DataFrame]:
    p = Path(path) if path is not None else ROUTES_DIR / default
    if not p.is_file():
        raise RouteDataError(f"{p}: file not found")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # pandas raises several error types for malformed CSV
        raise RouteDataError(f"{p}: cannot read as CSV ({exc})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RouteDataError(f"{p}: missing column(s) {', '.join(missing)} (expected {','.join(columns)})")
    if df.empty:
        raise RouteDataError(f"{p}: the table has no rows")
    df = df[list(columns)].apply(lambda col: col.str.strip())
    return p, df.reset_index(drop=True)


def _fail(p: Path, row: int, column: str, rule: str) -> None:
    raise RouteDataError(f"{p}: row {row}, column '{column}': {rule}")


def _rows(df: pd.DataFrame, column: str) -> Iterable[tuple[int, str]]:
    return enumerate(df[column], start=1)


def _required(p: Path, df: pd.DataFrame, columns: Iterable[str]) -> None:
    for column in columns:
        for row, value in _rows(df, column):
            if not value:
                _fail(p, row, column, "must not be empty (every row needs it)")


def _slugs(p: Path, df: pd.DataFrame, column: str) -> None:
    _required(p, df, (column,))
    for row, value in _rows(df, column):
        if not set(value) <= _SLUG_CHARS or value.startswith("-") or value.endswith("-"):
            _fail(p, row, column, f"'{value}' is not a slug (lower-case letters, digits and inner hyphens)")
    _unique(p, df, (column,))


def _unique(p: Path, df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    dupes = df.duplicated(list(columns))
    if dupes.any():
        row = int(dupes.to_numpy().nonzero()[0][0]) + 1
        key = ", ".join(f"'{df[c].iloc[row - 1]}'" for c in columns)
        _fail(p, row, columns[-1] if len(columns) == 1 else "', '".join(columns), f"duplicate {key}")


def _member(p: Path, df: pd.DataFrame, column: str, allowed: Sequence[str]) -> None:
    for row, value in _rows(df, column):
        if value not in allowed:
            _fail(p, row, column, f"unknown value '{value}' (allowed: {', '.join(allowed)})")


def _complete(p: Path, df: pd.DataFrame, column: str, expected: Sequence[str]) -> None:
    missing = [v for v in expected if v not in set(df[column])]
    if missing:
        raise RouteDataError(f"{p}: column '{column}': every one of {', '.join(expected)} needs a row; missing "
                             f"{', '.join(missing)}")  # fmt: skip


def _numbers(p: Path, df: pd.DataFrame, column: str, ok: Callable[[float], bool], rule: str) -> list[float]:
    values = []
    for row, text in _rows(df, column):
        try:
            value = float(text)
        except ValueError:
            _fail(p, row, column, f"'{text}' is not a number; {rule}")
        if not math.isfinite(value) or not ok(value):
            _fail(p, row, column, f"{text}: {rule}")
        values.append(value)
    return values


def _lists(p: Path, df: pd.DataFrame, column: str, allowed: Sequence[str], *, allow_all: bool) -> list[tuple[str, ...]]:
    out = []
    for row, text in _rows(df, column):
        if allow_all and text == ALL_SEASONS:
            out.append(tuple(allowed))
            continue
        items = [item.strip() for item in text.split("|")]
        if not text or any(not item for item in items):
            _fail(p, row, column, f"must list one or more of {', '.join(allowed)} separated by '|'")
        for item in items:
            if item not in allowed:
                extra = f", or '{ALL_SEASONS}'" if allow_all else ""
                _fail(p, row, column, f"unknown value '{item}' (allowed: {', '.join(allowed)}{extra})")
        if len(set(items)) != len(items):
            _fail(p, row, column, f"'{text}' lists a value twice")
        out.append(tuple(v for v in allowed if v in items))
    return out


def _known_places(places: Iterable[str] | None) -> set[str]:
    return set(load_places()["slug"]) if places is None else set(places)


def _places(p: Path, df: pd.DataFrame, columns: tuple[str, ...], known: set[str]) -> None:
    for column in columns:
        for row, value in _rows(df, column):
            if value not in known:
                _fail(p, row, column, f"unknown place '{value}' (a slug of places.csv)")
