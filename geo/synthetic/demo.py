"""The demo data set: :func:`generate` draws incidents and landing reports from the layered surface."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import numpy as np

from geo.synthetic._checks import _check_harbours, _check_islands, _check_seed, _utc
from geo.synthetic.events import _incidents
from geo.synthetic.landings import _landings
from geo.synthetic.params import DEFAULT_END, DEFAULT_START, SurfaceParams
from geo.synthetic.surface import TrueRiskSurface
from geo.validation import GeoInputError

# ------------------------------------------------------------------------------------------------ output


@dataclass(frozen=True)
class SyntheticData:
    """What :func:`generate` returns: two EPSG:4326 frames, the surface that drove them, and the seed."""

    incidents: gpd.GeoDataFrame
    landings: gpd.GeoDataFrame
    surface: TrueRiskSurface
    seed: int


# ------------------------------------------------------------------------------------------------ public


def generate(
    islands: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame,
    *,
    seed: int,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
    n_incidents: int = 400,
    n_landings: int = 2500,
    params: SurfaceParams | None = None,
    land_boundaries: gpd.GeoDataFrame | None = None,
) -> SyntheticData:
    """Generate synthetic incidents and landing reports from a seeded true risk surface.

    Parameters
    ----------
    islands
        EPSG:4326 GeoDataFrame with ``code`` (str), ``inhabited`` (bool) and (Multi)Polygon geometry; an
        optional ``name`` is used in narratives.
    harbours
        EPSG:4326 GeoDataFrame with ``slug`` (unique), ``kind``, ``monitored`` (bool) and Point geometry; an
        optional ``name`` is used as a landing's origin.
    seed
        Any int >= 0. The same seed (and arguments) gives identical frames, UUIDs included.
    start, end
        Timezone-aware bounds of the period, ``start`` inclusive, ``end`` exclusive; default 2021-01-01 to
        2026-01-01 UTC.
    n_incidents
        Number of incidents (>= 1). With 8 or more, every kind of ``INCIDENT_KINDS`` appears.
    n_landings
        Number of landing reports (>= 1).
    params
        Surface parameters; :class:`SurfaceParams` defaults when None.
    land_boundaries
        Optional line layer of land borders: no event is placed on outline parts along them (see
        :class:`TrueRiskSurface`).

    Returns
    -------
    SyntheticData
        ``incidents`` and ``landings`` (new EPSG:4326 frames with exactly the columns of
        :data:`INCIDENT_COLUMNS` and :data:`LANDING_COLUMNS`, sorted by start time, every row
        ``synthetic=True``), the :class:`TrueRiskSurface` that drove them, and the seed. Times are
        ``datetime64[ns, UTC]`` to the second; counts int64; ``uuid``/``client_uuid`` hold :class:`uuid.UUID`
        (row ``i`` is ``uuid5(SYNTHETIC_NAMESPACE, f"{seed}:incident:{i}")``, or ``:landing:``);
        ``harbour_slug`` and ``vessel_registration`` are object columns holding ``None`` when absent;
        ``suspicion_flags`` holds lists in ``SUSPICION_FLAGS`` order; other text columns use pandas' default
        string dtype.

    Raises
    ------
    GeoInputError
        Naming the argument and the rule it breaks.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> islands = gpd.GeoDataFrame(
    ...     {"code": ["A", "B"], "inhabited": [True, False]},
    ...     geometry=[shapely.box(114.0, -7.05, 114.1, -6.95), shapely.Point(114.3, -7.0).buffer(0.02)],
    ...     crs="EPSG:4326")
    >>> harbours = gpd.GeoDataFrame(
    ...     {"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
    ...     geometry=[shapely.Point(114.0, -7.0)], crs="EPSG:4326")
    >>> data = generate(islands, harbours, seed=7, n_incidents=50, n_landings=100)
    >>> len(data.incidents), len(data.landings), bool(data.incidents.synthetic.all())
    (50, 100, True)
    """
    _check_islands(islands)
    _check_harbours(harbours)
    _check_seed(seed)
    t0, t1 = _utc(start, "start"), _utc(end, "end")
    if not t0 < t1:
        raise GeoInputError(f"end: must be after start ({t0.isoformat()} >= {t1.isoformat()})")
    for name, value in (("n_incidents", n_incidents), ("n_landings", n_landings)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise GeoInputError(f"{name}: must be an int >= 1, got {value!r}")
    if params is not None and not isinstance(params, SurfaceParams):
        raise TypeError(f"params: must be a SurfaceParams or None, got {type(params).__name__}")
    seed = int(seed)
    surface = TrueRiskSurface(islands, harbours, seed=seed, params=params, land_boundaries=land_boundaries)
    incidents = _incidents(surface, seed, int(n_incidents), t0, t1)
    landings = _landings(surface, harbours, seed, int(n_landings), t0, t1)
    return SyntheticData(incidents=incidents, landings=landings, surface=surface, seed=seed)
