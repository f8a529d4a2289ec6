"""A zoo of awkward geometries fed to segmentation and to every factor: an empty geometry, None, a multi-part
geometry with holes, an invalid one (a self-intersecting ring, a NaN point, a zero-length line) and one far
outside the regency. Each consumer either handles it (a result of the promised shape: one finite value in [0, 1]
per segment) or refuses it with a TypeError or a GeoInputError whose message names the argument; never an
obscure error from inside pandas, numpy, scipy or shapely, and never a NaN."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import factors
from geo.segmentation import segment_coast
from geo.validation import GeoInputError

CUTOFF = datetime(2025, 1, 1, tzinfo=UTC)
TALANGO = shapely.box(113.90, -7.10, 113.95, -7.05)
"""A normal island near Kalianget (lon/lat): every frame below has a normal row and the zoo's row."""
HARBOUR = shapely.Point(113.92, -7.11)
LANE = shapely.LineString([(113.8, -7.3), (114.2, -7.3)])

ZOO: dict[str, dict[str, Any]] = {
    "empty": {"polygon": shapely.Polygon(), "point": shapely.Point(), "line": shapely.LineString()},
    "none": {"polygon": None, "point": None, "line": None},
    "multipart with holes": {
        "polygon": shapely.MultiPolygon(
            [
                shapely.box(113.80, -7.20, 113.85, -7.15).difference(shapely.box(113.81, -7.19, 113.84, -7.16)),
                shapely.box(113.86, -7.20, 113.87, -7.19),
            ]
        ),
        "point": shapely.MultiPoint([(113.80, -7.20), (113.85, -7.20)]),
        "line": shapely.MultiLineString([[(113.80, -7.20), (113.85, -7.20)], [(113.90, -7.20), (113.95, -7.20)]]),
    },
    "invalid": {
        "polygon": shapely.Polygon([(113.90, -7.00), (113.95, -6.95), (113.95, -7.00), (113.90, -6.95)]),
        "point": shapely.Point(np.nan, np.nan),
        "line": shapely.LineString([(113.90, -7.20), (113.90, -7.20)]),
    },
    "far outside the regency": {
        "polygon": shapely.box(-70.0, 40.0, -69.9, 40.1),
        "point": shapely.Point(-70.0, 40.0),
        "line": shapely.LineString([(-70.0, 40.0), (-69.0, 40.0)]),
    },
}


@pytest.fixture(params=list(ZOO), scope="module")
def zoo(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """One creature of the zoo: its name and its polygon, point and line forms (lon/lat)."""
    return request.param, ZOO[request.param]


@pytest.fixture(scope="module")
def segments() -> gpd.GeoDataFrame:
    islands = gpd.GeoDataFrame({"code": ["T"], "inhabited": [True]}, geometry=[TALANGO], crs="EPSG:4326")
    return segment_coast(islands)


def _frame(columns: dict[str, list[Any]], geometry: list[Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")


def _harbours(g: Any) -> gpd.GeoDataFrame:
    return _frame({"slug": ["kalianget", "zoo"], "monitored": [True, True]}, [HARBOUR, g])


def _incidents(g: Any) -> gpd.GeoDataFrame:
    return _frame(
        {
            "kind": ["tppo", "tppo"],
            "occurred_start": [pd.Timestamp("2024-06-01", tz="UTC")] * 2,
            "precision_m": [50.0, 50.0],
            "review_state": ["verified", "verified"],
        },
        [HARBOUR, g],
    )


def _landings(g: Any) -> gpd.GeoDataFrame:
    return _frame(
        {
            "direction": ["arrival", "arrival"],
            "suspicion_flags": [["off_harbour"], ["off_harbour"]],
            "observed_start": [pd.Timestamp("2024-06-01", tz="UTC")] * 2,
        },
        [HARBOUR, g],
    )


def _islands(g: Any) -> gpd.GeoDataFrame:
    return _frame({"code": ["T", "Z"], "inhabited": [True, False]}, [TALANGO, g])


def _lanes(g: Any) -> gpd.GeoDataFrame:
    return _frame({"name": ["lane", "zoo"], "kind": ["shipping", "shipping"]}, [LANE, g])


def _with_segment(segments: gpd.GeoDataFrame, g: Any) -> gpd.GeoDataFrame:
    row = _frame(
        {"id": ["Z-0001"], "island_code": ["T"], "ordinal": [1], "length_m": [500.0], "seaward_bearing": [90.0]}, [g]
    )
    return gpd.GeoDataFrame(pd.concat([segments, row], ignore_index=True), geometry="geometry", crs="EPSG:4326")


def _inputs(**zoo_layers: gpd.GeoDataFrame) -> factors.FactorInputs:
    normal = {
        "islands": _islands(shapely.box(113.96, -7.10, 113.97, -7.09)),
        "harbours": _harbours(shapely.Point(113.93, -7.12)),
        "incidents": _incidents(shapely.Point(113.93, -7.12)),
        "landings": _landings(shapely.Point(113.93, -7.12)),
        "lanes": _lanes(shapely.LineString([(113.8, -7.4), (114.2, -7.4)])),
        "patrol_bases": _harbours(shapely.Point(113.93, -7.12)),
        "outside_ports": _harbours(shapely.Point(113.93, -7.12)),
    }
    return factors.FactorInputs(**(normal | zoo_layers))


Call = Callable[[gpd.GeoDataFrame, Any], Any]


def _compute_with(layer: str, make: Callable[[Any], gpd.GeoDataFrame]) -> Call:
    """compute_factors with the creature in the input ``layer`` (made by ``make``), the other inputs normal."""
    return lambda seg, g: factors.compute_factors(seg, _inputs(**{layer: make(g)}), kind="landing", cutoff=CUTOFF)


# Each consumer: (the argument the zoo's creature goes into, its form, a call from the segments and the creature).
CONSUMERS: dict[str, tuple[str, str, Call]] = {
    "segment_coast": ("islands", "polygon", lambda seg, g: segment_coast(_islands(g))),
    "midpoints": ("segments", "line", lambda seg, g: factors.midpoints(_with_segment(seg, g))),
    "remoteness(harbours)": ("harbours", "point", lambda seg, g: factors.remoteness(seg, _harbours(g))),
    "remoteness(outside_ports)": (
        "outside_ports",
        "point",
        lambda seg, g: factors.remoteness(seg, _harbours(HARBOUR).iloc[:1], outside_ports=_harbours(g)),
    ),
    "remoteness(segments)": (
        "segments",
        "line",
        lambda seg, g: factors.remoteness(_with_segment(seg, g), _harbours(HARBOUR)),
    ),
    "lane_exposure": ("lanes", "line", lambda seg, g: factors.lane_exposure(seg, _lanes(g), scale_km=25.0)),
    "staging": ("islands", "polygon", lambda seg, g: factors.staging(seg, _islands(g))),
    "inhabited": ("islands", "polygon", lambda seg, g: factors.inhabited(seg, _islands(g))),
    "monsoon_shelter": ("segments", "line", lambda seg, g: factors.monsoon_shelter(_with_segment(seg, g))),
    "incident_density": (
        "incidents",
        "point",
        lambda seg, g: factors.incident_density(seg, _incidents(g), kind="tppo", cutoff=CUTOFF),
    ),
    "incident_density(exclude_own_segment)": (
        "incidents",
        "point",
        lambda seg, g: factors.incident_density(
            seg, _incidents(g), kind="tppo", cutoff=CUTOFF, exclude_own_segment=True
        ),
    ),
    "suspicious_landings": (
        "landings",
        "point",
        lambda seg, g: factors.suspicious_landings(seg, _landings(g), direction="arrival", cutoff=CUTOFF),
    ),
    "patrol_remoteness": ("patrol_bases", "point", lambda seg, g: factors.patrol_remoteness(seg, _harbours(g))),
    "corridor_exposure": (
        "segments",
        "line",
        lambda seg, g: factors.corridor_exposure(
            _with_segment(seg, g),
            pd.DataFrame(
                {f"landing:{s}": 1.0 for s in ("west", "east", "transition")},
                index=[*seg["id"], "Z-0001"],
            ),
            kind="landing",
        ),
    ),
    **{
        f"compute_factors({layer})": (layer, form, _compute_with(layer, make))
        for layer, form, make in (
            ("islands", "polygon", _islands),
            ("harbours", "point", _harbours),
            ("incidents", "point", _incidents),
            ("landings", "point", _landings),
            ("lanes", "line", _lanes),
            ("patrol_bases", "point", _harbours),
            ("outside_ports", "point", _harbours),
        )
    },
    "compute_factors(segments)": (
        "segments",
        "line",
        lambda seg, g: factors.compute_factors(_with_segment(seg, g), _inputs(), kind="landing", cutoff=CUTOFF),
    ),
}


@pytest.mark.parametrize("consumer", list(CONSUMERS))
def test_every_consumer_handles_or_clearly_refuses_the_zoo(
    zoo: tuple[str, dict[str, Any]], consumer: str, segments: gpd.GeoDataFrame
) -> None:
    argument, form, call = CONSUMERS[consumer]
    try:
        result = call(segments, zoo[1][form])
    except (TypeError, GeoInputError) as exc:
        assert str(exc).startswith(f"{argument}:"), f"{type(exc).__name__} does not name {argument!r}: {exc}"
        return
    if isinstance(result, gpd.GeoDataFrame):  # segment_coast: segments with their promised columns
        assert len(result) and result.geometry.is_valid.all() and np.isfinite(result["length_m"]).all()
        assert result.total_bounds[0] > 100 and result.total_bounds[2] < 130, "segments outside the region"
        return
    values = np.asarray(result, dtype=np.float64)
    assert np.isfinite(values).all(), f"{consumer} gave NaN or inf for {zoo[0]}"
    if isinstance(result, pd.Series | pd.DataFrame):
        assert ((values >= 0) & (values <= 1)).all()


def test_the_creatures_that_are_refused_say_why(segments: gpd.GeoDataFrame) -> None:
    """What the rule above allows, pinned down for the clear cases."""
    with pytest.raises(GeoInputError, match=r"^islands: every row needs a non-empty geometry \(row 2 \(code 'Z'\)"):
        segment_coast(_islands(None))
    with pytest.raises(GeoInputError, match=r"^islands: every geometry must be valid; row 2 \(code 'Z'\) is not"):
        segment_coast(_islands(ZOO["invalid"]["polygon"]))
    with pytest.raises(GeoInputError, match=r"^islands: row 2 \(code 'Z'\) lies outside"):
        segment_coast(_islands(ZOO["far outside the regency"]["polygon"]))
    with pytest.raises(GeoInputError, match=r"^incidents: coordinates must be finite numbers \(row 2"):
        factors.incident_density(segments, _incidents(ZOO["invalid"]["point"]), kind="tppo", cutoff=CUTOFF)
    with pytest.raises(GeoInputError, match=r"^landings: geometries must be Point \(row 2 is a MultiPoint\)"):
        factors.suspicious_landings(
            segments, _landings(ZOO["multipart with holes"]["point"]), direction="arrival", cutoff=CUTOFF
        )
    with pytest.raises(TypeError, match=r"^segments: must be a GeoDataFrame, got list"):
        factors.remoteness([], _harbours(HARBOUR))  # type: ignore[arg-type]


def test_a_multipart_island_with_a_lagoon_is_cut_along_its_outer_coasts_only() -> None:
    seg = segment_coast(_islands(ZOO["multipart with holes"]["polygon"]))
    zoo_seg = seg[seg.island_code == "Z"].to_crs("EPSG:23837")
    parts = gpd.GeoSeries(shapely.get_parts(ZOO["multipart with holes"]["polygon"]), crs="EPSG:4326").to_crs(
        "EPSG:23837"
    )
    outer = shapely.union_all([shapely.LinearRing(p.exterior.coords) for p in parts])
    lagoon = shapely.union_all([shapely.LinearRing(r.coords) for p in parts for r in p.interiors])
    assert len(zoo_seg) > 0
    assert float(zoo_seg.distance(outer).max()) < 1.0
    assert float(zoo_seg.distance(lagoon).min()) > 100.0
    assert abs(float(zoo_seg.length_m.sum()) - float(outer.length)) < 1.0
