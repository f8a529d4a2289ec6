"""Tests for geo.synthetic: the seeded generator and its known true risk surface."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo.synthetic as synthetic
from geo.crs import METRIC, REGENCY_BOUNDS, WGS84
from geo.synthetic import (
    INCIDENT_COLUMNS,
    LANDING_COLUMNS,
    RISK_KIND_OF,
    SurfaceParams,
    SyntheticData,
    TrueRiskSurface,
    generate,
)
from geo.validation import GeoInputError
from geo.vocabulary import (
    CONFIDENCE_LEVELS,
    DIRECTIONS,
    INCIDENT_KINDS,
    REVIEW_STATES,
    RISK_KINDS,
    SUSPICION_FLAGS,
    VESSEL_TYPES,
)

DATA = Path(__file__).resolve().parents[2] / "data"

# Hidden structure and lanes off: what is left is the documented structural drivers and the season.
PLAIN = SurfaceParams(n_hotspots=0, noise_sd=0.0, lanes=())


# ------------------------------------------------------------------------------------------------- fixtures


def _metric_xy(lon: float, lat: float) -> tuple[float, float]:
    p = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).to_crs(METRIC).iloc[0]
    return p.x, p.y


def _circle(lon: float, lat: float, radius_m: float) -> shapely.Geometry:
    return shapely.Point(*_metric_xy(lon, lat)).buffer(radius_m, quad_segs=32)


def _square(lon: float, lat: float, side_m: float) -> shapely.Geometry:
    x, y = _metric_xy(lon, lat)
    return shapely.box(x - side_m / 2, y - side_m / 2, x + side_m / 2, y + side_m / 2)


def _islands(rows: list[tuple[str, str, bool, shapely.Geometry]]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "name": [r[1] for r in rows], "inhabited": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
        crs=METRIC,
    )
    return frame.to_crs(WGS84)


def _harbours(rows: list[tuple[str, str, bool, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"slug": [r[0] for r in rows], "kind": [r[1] for r in rows], "monitored": [r[2] for r in rows]},
        geometry=[shapely.Point(r[3], r[4]) for r in rows],
        crs=WGS84,
    )


@pytest.fixture(scope="module")
def islands() -> gpd.GeoDataFrame:
    """A square main island, a round inhabited one, and two uninhabited islets around 114-115 E, 7 S."""
    return _islands(
        [
            ("T.01", "Pulau Besar", True, _square(114.30, -7.00, 12_000)),
            ("T.02", "Pulau Timur", True, _circle(114.60, -6.95, 3_000)),
            ("T.03", "Pulau Kosong", False, _circle(114.45, -7.15, 1_500)),
            ("T.04", "Gili Sepi", False, _circle(114.75, -7.10, 800)),
        ]
    )


@pytest.fixture(scope="module")
def harbours() -> gpd.GeoDataFrame:
    return _harbours(
        [
            ("besar", "official_port", True, 114.2457, -7.0),  # on the square's west shore
            ("timur", "fishing_port", False, 114.5728, -6.95),  # on the round island's west shore
        ]
    )


@pytest.fixture(scope="module")
def data(islands: gpd.GeoDataFrame, harbours: gpd.GeoDataFrame) -> SyntheticData:
    return generate(islands, harbours, seed=7)


def _coastline_metric(islands: gpd.GeoDataFrame) -> shapely.Geometry:
    return shapely.union_all(islands.to_crs(METRIC).boundary.array)


# ---------------------------------------------------------------------------------------------- the frames


def test_counts_columns_and_dtypes(data: SyntheticData) -> None:
    inc, lan = data.incidents, data.landings
    assert len(inc) == 400 and len(lan) == 2500
    assert tuple(inc.columns) == INCIDENT_COLUMNS
    assert tuple(lan.columns) == LANDING_COLUMNS
    assert inc.crs.to_epsg() == 4326 and lan.crs.to_epsg() == 4326
    assert (inc.geom_type == "Point").all() and (lan.geom_type == "Point").all()
    for frame, cols in ((inc, ("occurred_start", "occurred_end")), (lan, ("observed_start", "observed_end"))):
        for col in cols:
            assert isinstance(frame[col].dtype, pd.DatetimeTZDtype), col
            assert str(frame[col].dt.tz) == "UTC", col
    assert all(isinstance(u, uuid.UUID) for u in inc["uuid"])
    assert all(isinstance(u, uuid.UUID) for u in lan["client_uuid"])
    assert inc["uuid"].is_unique and lan["client_uuid"].is_unique
    for col in ("people", "vessels"):
        assert pd.api.types.is_integer_dtype(inc[col]) and (inc[col] >= 0).all(), col
    for col in ("persons_aboard", "crew", "foreign_nationals"):
        assert pd.api.types.is_integer_dtype(lan[col]) and (lan[col] >= 0).all(), col
    for frame in (inc, lan):
        assert pd.api.types.is_float_dtype(frame["precision_m"]) and (frame["precision_m"] > 0).all()
        assert frame["synthetic"].dtype == bool and frame["synthetic"].all()
    assert (inc["source"] == "synthetic generator, seed 7").all()
    assert all(isinstance(s, str) and len(s) > 20 for s in inc["narrative"])
    assert all(isinstance(f, list) and all(isinstance(x, str) for x in f) for f in lan["suspicion_flags"])


def test_vocabularies(data: SyntheticData) -> None:
    inc, lan = data.incidents, data.landings
    assert set(inc["kind"]) == set(INCIDENT_KINDS)  # every kind, not just a subset
    assert set(inc["confidence"]) <= set(CONFIDENCE_LEVELS)
    assert set(inc["review_state"]) <= set(REVIEW_STATES)
    assert set(lan["review_state"]) <= set(REVIEW_STATES)
    assert set(lan["direction"]) == set(DIRECTIONS)
    assert set(lan["vessel_type"]) <= set(VESSEL_TYPES)
    assert {f for flags in lan["suspicion_flags"] for f in flags} <= set(SUSPICION_FLAGS)
    assert all(isinstance(f, str) and len(f) == 2 and f.isupper() for f in lan["vessel_flag"])
    assert (lan["vessel_flag"] == "ID").mean() > 0.8
    assert lan["vessel_flag"].nunique() >= 3
    review = inc["review_state"].value_counts(normalize=True)
    assert review["verified"] > 0.5 and review.get("rejected", 0) < 0.15 and review.get("reported", 0) > 0.05


def test_time_windows(data: SyntheticData) -> None:
    start, end = pd.Timestamp("2021-01-01", tz="UTC"), pd.Timestamp("2026-01-01", tz="UTC")
    inc, lan = data.incidents, data.landings
    for lo, hi in ((inc.occurred_start, inc.occurred_end), (lan.observed_start, lan.observed_end)):
        assert (lo <= hi).all()
        assert (lo >= start).all() and (hi < end).all()
    width = inc.occurred_end - inc.occurred_start
    assert (width == pd.Timedelta(0)).mean() > 0.15  # some exact
    assert ((width > pd.Timedelta(0)) & (width <= pd.Timedelta(hours=12))).mean() > 0.2  # some hours
    assert (width > pd.Timedelta(days=1)).mean() > 0.05  # some days
    # Spread over the whole period, not bunched in one year.
    assert inc.occurred_start.dt.year.nunique() == 5
    assert inc["occurred_start"].is_monotonic_increasing


def test_landing_constraints(data: SyntheticData) -> None:
    lan = data.landings
    assert (lan.persons_aboard >= lan.crew).all()
    assert (lan.foreign_nationals <= lan.persons_aboard).all()
    assert (lan.crew >= 1).all()
    foreign = lan.vessel_flag != "ID"
    assert (lan.loc[foreign, "foreign_nationals"] >= lan.loc[foreign, "crew"]).all()
    undocumented = lan.suspicion_flags.map(lambda f: "undocumented_foreigners" in f)
    assert (lan.loc[undocumented, "foreign_nationals"] >= 1).all()
    assert lan.vessel_name.str.match(r"^(KM|KMP|KLM|MT|SB|MV|FV) \S").all()
    reg = lan.vessel_registration.dropna()
    indonesian = reg[lan.loc[reg.index, "vessel_flag"] == "ID"]
    assert indonesian.str.match(r"^GT\.\d+ No\.\d+/[A-Z][a-z]$").all()
    assert lan.vessel_registration.isna().any()  # small boats often carry none
    assert all(isinstance(o, str) and o for o in lan.origin)


def test_landings_mostly_at_harbours(data: SyntheticData, harbours: gpd.GeoDataFrame) -> None:
    lan = data.landings
    at_harbour = lan.harbour_slug.notna()
    assert at_harbour.mean() > 0.85
    assert (~at_harbour).sum() >= 100  # 8 % of 2,500
    assert all(s is None for s in lan.loc[~at_harbour, "harbour_slug"])  # a real None, not NaN
    assert set(lan.loc[at_harbour, "harbour_slug"]) == set(harbours.slug)
    off_flag = lan.suspicion_flags.map(lambda f: "off_harbour" in f)
    assert (off_flag == ~at_harbour).all()
    suspicious = lan.suspicion_flags.map(len) > 0
    assert 0.08 < suspicious.mean() < 0.25
    assert (suspicious & at_harbour).sum() > 50  # suspicious reports at harbours too
    # A report at a harbour lies within its precision of the harbour point.
    hb = harbours.set_index("slug").to_crs(METRIC).geometry
    pts = lan[at_harbour].to_crs(METRIC)
    dist = pts.geometry.distance(hb.loc[pts.harbour_slug].set_axis(pts.index), align=True)
    assert (dist <= pts.precision_m + 1e-6).all()


def test_incidents_lie_near_the_coast(data: SyntheticData, islands: gpd.GeoDataFrame) -> None:
    coast = _coastline_metric(islands)
    pts = data.incidents.to_crs(METRIC)
    dist = shapely.distance(pts.geometry.array, coast)
    assert (dist <= pts.precision_m.to_numpy() + 1.0).all()
    # Mostly at sea or on the shore: few recorded points are inland.
    land = shapely.union_all(islands.to_crs(METRIC).geometry.array)
    inland = shapely.contains(land, pts.geometry.array) & (dist > 10)
    assert inland.mean() < 0.35
    assert set(data.incidents.precision_m) >= {50.0, 2000.0}


def test_deterministic_for_a_seed(data: SyntheticData, islands: gpd.GeoDataFrame, harbours: gpd.GeoDataFrame) -> None:
    again = generate(islands, harbours, seed=7)
    pd.testing.assert_frame_equal(data.incidents, again.incidents)
    pd.testing.assert_frame_equal(data.landings, again.landings)
    assert data.incidents["uuid"].iloc[0] == uuid.uuid5(synthetic.SYNTHETIC_NAMESPACE, "7:incident:0")
    other = generate(islands, harbours, seed=8)
    assert set(other.incidents["uuid"]).isdisjoint(data.incidents["uuid"])
    assert not other.incidents.geometry.geom_equals(data.incidents.geometry).all()
    assert not np.allclose(
        other.surface.coast.intensity_landing.to_numpy(), data.surface.coast.intensity_landing.to_numpy()
    )
    # Incidents do not depend on how many landings are asked for.
    fewer = generate(islands, harbours, seed=7, n_landings=10)
    pd.testing.assert_frame_equal(data.incidents, fewer.incidents)


def test_small_counts_and_custom_period(islands: gpd.GeoDataFrame, harbours: gpd.GeoDataFrame) -> None:
    start = datetime(2024, 3, 10, 12, 30, tzinfo=UTC)
    end = datetime(2024, 3, 12, tzinfo=UTC)
    out = generate(islands, harbours, seed=1, start=start, end=end, n_incidents=1, n_landings=1)
    assert len(out.incidents) == 1 and len(out.landings) == 1
    for col in ("occurred_start", "occurred_end"):
        assert pd.Timestamp(start) <= out.incidents[col].iloc[0] < pd.Timestamp(end)


# ---------------------------------------------------------------------------------------------- the surface


def test_intensity_is_normalised_and_sums_its_components(data: SyntheticData) -> None:
    coast = data.surface.coast
    for kind in RISK_KINDS:
        lam = coast[f"intensity_{kind}"].to_numpy()
        assert np.average(lam, weights=coast.length_m) == pytest.approx(1.0, rel=1e-9)
        pts = coast.geometry.iloc[::50]
        comp = data.surface.components(pts, kind=kind)
        np.testing.assert_allclose(np.exp(comp.sum(axis=1)), data.surface.intensity(pts, kind=kind), rtol=1e-12)
        np.testing.assert_allclose(data.surface.intensity(pts, kind=kind), lam[::50], rtol=1e-9)
        at = data.surface.intensity(pts, kind=kind, when=datetime(2023, 8, 1, tzinfo=UTC))
        assert at.shape == (len(pts),) and (at > 0).all()
    # Any CRS in, same answer.
    pts = coast.geometry.iloc[::50]
    np.testing.assert_allclose(
        data.surface.intensity(pts.to_crs(METRIC), kind="tppo"), data.surface.intensity(pts, kind="tppo")
    )


def test_far_from_monitored_harbour_is_riskier() -> None:
    islands = _islands([("S.01", "Pulau Lurus", True, _square(114.5, -7.0, 30_000))])
    x0, y0 = _metric_xy(114.5, -7.0)
    harbour = gpd.GeoSeries([shapely.Point(x0 - 15_000, y0 + 15_000)], crs=METRIC).to_crs(WGS84)
    harbours = gpd.GeoDataFrame({"slug": ["nw"], "kind": ["official_port"], "monitored": [True]}, geometry=harbour)
    surface = TrueRiskSurface(islands, harbours, seed=3, params=PLAIN)
    # Along the north shore (same island, same orientation), going east away from the harbour.
    north = gpd.GeoSeries(
        [shapely.Point(x0 - 15_000 + d, y0 + 15_000) for d in (500, 5_000, 12_000, 25_000)], crs=METRIC
    )
    for kind in RISK_KINDS:
        lam = surface.intensity(north, kind=kind)
        assert (np.diff(lam) > 0).all(), kind
    # With the default parameters too, the remoteness term rises with the distance, as documented.
    full = TrueRiskSurface(islands, harbours, seed=3)
    feats = full.features(north)
    assert (np.diff(feats.dist_monitored_harbour_km) > 0).all()
    np.testing.assert_allclose(feats.remoteness, 1 - np.exp(-feats.dist_monitored_harbour_km / 20.0))
    comp = full.components(north, kind="landing")
    assert (np.diff(comp.remoteness) > 0).all()


def test_uninhabited_favours_landing_and_inhabited_favours_tppo() -> None:
    # Two identical islands mirrored about a monitored harbour at sea: all else equal but who lives there.
    x0, y0 = _metric_xy(114.30, -7.0)
    ramai, sepi = shapely.Point(x0 - 11_000, y0), shapely.Point(x0 + 11_000, y0)
    islands = _islands(
        [
            ("M.01", "Pulau Ramai", True, ramai.buffer(2_000, quad_segs=32)),
            ("M.02", "Pulau Sepi", False, sepi.buffer(2_000, quad_segs=32)),
        ]
    )
    harbour = gpd.GeoSeries([shapely.Point(x0, y0)], crs=METRIC).to_crs(WGS84)
    harbours = gpd.GeoDataFrame({"slug": ["tengah"], "kind": ["official_port"], "monitored": [True]}, geometry=harbour)
    no_monsoon = dataclasses.replace(
        PLAIN,
        landing=dataclasses.replace(PLAIN.landing, monsoon_shelter=0.0),
        tppo=dataclasses.replace(PLAIN.tppo, monsoon_shelter=0.0),
    )
    surface = TrueRiskSurface(islands, harbours, seed=1, params=no_monsoon)
    # Pairs of shore points mirrored about the harbour's meridian: north, south and far shores.
    offsets = ((0, 2_000), (0, -2_000), (-2_000, 0))
    a = gpd.GeoSeries([shapely.Point(ramai.x + dx, ramai.y + dy) for dx, dy in offsets], crs=METRIC)
    b = gpd.GeoSeries([shapely.Point(sepi.x - dx, sepi.y + dy) for dx, dy in offsets], crs=METRIC)
    np.testing.assert_allclose(surface.features(a).remoteness, surface.features(b).remoteness, rtol=1e-6)
    assert (surface.intensity(b, kind="landing") > surface.intensity(a, kind="landing")).all()
    assert (surface.intensity(a, kind="tppo") > surface.intensity(b, kind="tppo")).all()
    # The coast-wide means agree with the point comparison.
    coast = surface.coast
    by_island = coast.groupby("island_code")[["intensity_landing", "intensity_tppo"]].mean()
    assert by_island.loc["M.02", "intensity_landing"] > by_island.loc["M.01", "intensity_landing"]
    assert by_island.loc["M.01", "intensity_tppo"] > by_island.loc["M.02", "intensity_tppo"]


def test_coast_sheltered_from_the_monsoon_is_riskier() -> None:
    islands = _islands([("R.01", "Pulau Bundar", True, _circle(114.5, -7.0, 5_000))])
    x0, y0 = _metric_xy(114.5, -7.0)
    harbour = gpd.GeoSeries([shapely.Point(x0, y0 + 30_000)], crs=METRIC).to_crs(WGS84)  # equidistant E and W
    harbours = gpd.GeoDataFrame({"slug": ["n"], "kind": ["official_port"], "monitored": [True]}, geometry=harbour)
    surface = TrueRiskSurface(islands, harbours, seed=1, params=PLAIN)
    east = gpd.GeoSeries([shapely.Point(x0 + 5_000, y0)], crs=METRIC)
    west = gpd.GeoSeries([shapely.Point(x0 - 5_000, y0)], crs=METRIC)
    assert surface.features(east).bearing_deg.iloc[0] == pytest.approx(90, abs=5)
    assert surface.features(west).bearing_deg.iloc[0] == pytest.approx(270, abs=5)
    january, july, may = (datetime(2024, m, 15, tzinfo=UTC) for m in (1, 7, 5))
    for kind in RISK_KINDS:
        # West monsoon (from WNW): the east coast is the lee shore; east monsoon (from ESE): the west coast.
        assert surface.intensity(east, kind=kind, when=january)[0] > surface.intensity(west, kind=kind, when=january)[0]
        assert surface.intensity(west, kind=kind, when=july)[0] > surface.intensity(east, kind=kind, when=july)[0]
        # Between monsoons orientation does not matter.
        assert surface.intensity(east, kind=kind, when=may)[0] == pytest.approx(
            surface.intensity(west, kind=kind, when=may)[0]
        )


def test_events_follow_the_season(islands: gpd.GeoDataFrame, harbours: gpd.GeoDataFrame) -> None:
    strong = SurfaceParams(landing=dataclasses.replace(SurfaceParams().landing, season_amplitude=1.0))
    out = generate(islands, harbours, seed=5, n_incidents=1_000, n_landings=10, params=strong)
    landing = out.incidents[out.incidents.kind.map(RISK_KIND_OF) == "landing"]
    month = landing.occurred_start.dt.month
    # Peak on 1 August, trough in early February: exp(2) times apart.
    assert month.isin([7, 8, 9]).sum() > 2 * month.isin([1, 2, 3]).sum()


def test_events_concentrate_where_intensity_is_high(data: SyntheticData) -> None:
    coast = data.surface.coast.to_crs(METRIC)
    pts = data.incidents.to_crs(METRIC)
    nearest = coast.sindex.nearest(pts.geometry.array, return_all=False)[1]
    length = coast.length_m.to_numpy()
    for kind in RISK_KINDS:
        lam = coast[f"intensity_{kind}"].to_numpy()
        order = np.argsort(-lam)
        top = np.zeros(len(lam), dtype=bool)
        top[order[np.cumsum(length[order]) <= 0.1 * length.sum()]] = True
        expected = (lam * length)[top].sum() / (lam * length).sum()
        mine = pts.kind.map(RISK_KIND_OF).to_numpy() == kind
        share = top[nearest[mine]].mean()
        assert expected > 0.2
        assert share > 0.2, kind  # >> the 10 % of coastline they cover
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / mine.sum()) + 0.05, kind


def test_suspicious_landings_follow_the_landing_surface(data: SyntheticData) -> None:
    lan = data.landings
    off = lan[lan.harbour_slug.isna() & (lan.direction == "arrival")]
    coast = data.surface.coast
    lam_off = data.surface.intensity(off.geometry, kind="landing")
    assert np.median(lam_off) > np.average(coast.intensity_landing, weights=coast.length_m)


# ------------------------------------------------------------------------------------------------ real data


def test_on_the_real_sumenep_outline() -> None:
    islands = gpd.read_file(DATA / "sumenep_islands.geojson")
    table = pd.read_csv(DATA / "harbours.csv")
    harbours = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(table.lon, table.lat), crs=WGS84
    )
    out = generate(islands, harbours, seed=11)
    inc, lan = out.incidents, out.landings
    assert len(inc) == 400 and len(lan) == 2500 and set(inc.kind) == set(INCIDENT_KINDS)
    # Every incident within its precision of the outline, and inside the regency.
    coast = _coastline_metric(islands)
    pts = inc.to_crs(METRIC)
    assert (shapely.distance(pts.geometry.array, coast) <= pts.precision_m.to_numpy() + 1.0).all()
    west, south, east, north = REGENCY_BOUNDS
    assert inc.geometry.x.between(west, east).all() and inc.geometry.y.between(south, north).all()
    assert out.surface.coast.length_m.sum() / 1000 > 900  # ~1,040 km of outline
    # Landing incidents favour remote, uninhabited coasts (the documented drivers), against the coastline.
    coast_f = out.surface.coast
    drivers = out.surface.features(coast_f.geometry)
    landing = inc[inc.kind.map(RISK_KIND_OF) == "landing"]
    at = out.surface.features(landing.geometry)
    assert at.remoteness.mean() > np.average(drivers.remoteness, weights=coast_f.length_m)
    uninhabited_coast = np.average(~coast_f.inhabited, weights=coast_f.length_m)
    assert (at.inhabited == 0).mean() > uninhabited_coast
    # Most reports come from harbours; the regency's harbours all appear.
    assert lan.harbour_slug.notna().mean() > 0.85
    assert lan.harbour_slug.nunique() >= 15


# ----------------------------------------------------------------------------------------------- bad input


def _no_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(frame.geometry))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i, h: {"islands": i.iloc[0:0]}, r"^islands: must not be empty"),
        (lambda i, h: {"islands": _no_crs(i)}, r"^islands: CRS is not set"),
        (lambda i, h: {"islands": i.to_crs(METRIC)}, r"^islands: CRS must be EPSG:4326"),
        (lambda i, h: {"islands": i.drop(columns="code")}, r"^islands: missing required column\(s\) code"),
        (
            lambda i, h: {"islands": i.assign(inhabited=[True, None, False, True])},
            r"^islands\.inhabited: must be boolean",
        ),
        (
            lambda i, h: {"islands": i.assign(geometry=i.geometry.representative_point())},
            r"^islands: geometries must be Polygon",
        ),
        (lambda i, h: {"harbours": h.iloc[0:0]}, r"^harbours: must not be empty"),
        (lambda i, h: {"harbours": h.drop(columns="monitored")}, r"^harbours: missing required column\(s\) monitored"),
        (lambda i, h: {"harbours": h.assign(slug=["a", "a"])}, r"^harbours\.slug: must be set and unique"),
        (
            lambda i, h: {"harbours": h.assign(geometry=shapely.buffer(h.geometry.array, 0.01))},
            r"^harbours: geometries must be Point",
        ),
        (lambda i, h: {"seed": -1}, r"^seed: must be an int >= 0"),
        (lambda i, h: {"seed": 1.5}, r"^seed: must be an int >= 0"),
        (lambda i, h: {"n_incidents": 0}, r"^n_incidents: must be an int >= 1"),
        (lambda i, h: {"n_landings": 0}, r"^n_landings: must be an int >= 1"),
        (lambda i, h: {"start": datetime(2021, 1, 1)}, r"^start: must be timezone-aware"),
        (lambda i, h: {"end": datetime(2020, 1, 1, tzinfo=UTC)}, r"^end: must be after start"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(
    islands: gpd.GeoDataFrame, harbours: gpd.GeoDataFrame, change: object, message: str
) -> None:
    kwargs: dict[str, object] = {"islands": islands, "harbours": harbours, "seed": 1}
    kwargs.update(change(islands, harbours))  # type: ignore[operator]
    with pytest.raises(GeoInputError, match=message):
        generate(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i, h: {"islands": pd.DataFrame(i)}, r"^islands: must be a GeoDataFrame"),
        (lambda i, h: {"params": {"noise_sd": 0}}, r"^params: must be a SurfaceParams"),
    ],
)
def test_arguments_of_the_wrong_type_are_a_type_error(
    islands: gpd.GeoDataFrame, harbours: gpd.GeoDataFrame, change: object, message: str
) -> None:
    kwargs: dict[str, object] = {"islands": islands, "harbours": harbours, "seed": 1}
    kwargs.update(change(islands, harbours))  # type: ignore[operator]
    with pytest.raises(TypeError, match=message):
        generate(**kwargs)  # type: ignore[arg-type]


def test_bad_surface_queries_and_params_raise(data: SyntheticData) -> None:
    pts = data.surface.coast.geometry.iloc[:3]
    with pytest.raises(ValueError, match=r"^kind: must be one of landing, tppo"):
        data.surface.intensity(pts, kind="tppo_and_landing")
    with pytest.raises(ValueError, match=r"^when: must be timezone-aware"):
        data.surface.intensity(pts, kind="tppo", when=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match=r"^points: CRS is not set"):
        data.surface.intensity(gpd.GeoSeries(list(pts)), kind="tppo")
    with pytest.raises(ValueError, match=r"^points: every geometry must be a non-empty Point"):
        data.surface.intensity(gpd.GeoSeries(shapely.buffer(pts.array, 0.001), crs=WGS84), kind="tppo")
    with pytest.raises(ValueError, match=r"^params\.hotspot_bandwidth_km: must be > 0"):
        SurfaceParams(hotspot_bandwidth_km=0)
    with pytest.raises(ValueError, match=r"^params\.n_hotspots: must be an int >= 0"):
        SurfaceParams(n_hotspots=-1)
    with pytest.raises(ValueError, match=r"^params\.west_monsoon_months: must not overlap"):
        SurfaceParams(west_monsoon_months=(6,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        SurfaceParams().noise_sd = 1.0  # type: ignore[misc]


def test_land_boundaries_are_not_coast() -> None:
    data = Path(__file__).resolve().parents[2] / "data"
    islands = gpd.read_file(data / "sumenep_islands.geojson")
    hb = pd.read_csv(data / "harbours.csv")
    harbours = gpd.GeoDataFrame(hb, geometry=gpd.points_from_xy(hb.lon, hb.lat), crs="EPSG:4326")
    border = gpd.read_file(data / "land_boundaries.geojson")
    line = border.to_crs(METRIC).geometry.iloc[0]
    plain = TrueRiskSurface(islands, harbours, seed=1).coast.to_crs(METRIC)
    cut = TrueRiskSurface(islands, harbours, seed=1, land_boundaries=border).coast.to_crs(METRIC)
    assert (plain.distance(line) < 50).sum() > 100  # ~40 km of the Pamekasan cut sampled every 200 m
    assert (cut.distance(line) > 50).all()
    assert plain.length_m.sum() - cut.length_m.sum() > 30_000
