"""The committed route tables (data/routes/) load, agree with each other and the land mask, and bad input fails."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.crs import METRIC
from geo.io import check_harbours, read_layer
from geo.routedata import (
    ROUTES_DIR,
    RouteDataError,
    check_place_references,
    douglas_code,
    load_boats,
    load_ferries,
    load_flows,
    load_places,
    load_sailing_times,
    load_sea_areas,
    load_sea_states,
)
from geo.vocabulary import BOAT_CLASSES, ROUTE_SEASONS, SEA_AREAS, SUMENEP_COAST

REPO = Path(__file__).resolve().parents[2]
HARBOURS = REPO / "data" / "harbours.csv"
ISLANDS = REPO / "data" / "sumenep_islands.geojson"

HARBOUR_POINT_CORRECTIONS = {
    # data/harbours.csv holds the Desa Talango village point, ~600 m inland; the router needs the landing on the
    # water, so the gazetteer puts the Talango crossing on the desa's coast facing Kalianget.
    "talango": 1200.0,
}
"""Harbours whose gazetteer point may differ from data/harbours.csv, with the largest allowed shift in metres."""

OFFSHORE = {"pagerungan-gas", "masakambing-gas"}
"""Offshore terminals: at sea by nature, so not held to "at the quay, within 500 m of land"."""


@cache
def land_metric() -> shapely.Geometry:
    """The land mask in the metric CRS, unioned and prepared (read once per test session)."""
    land = gpd.read_file(ROUTES_DIR / "land.fgb").to_crs(METRIC)
    union = shapely.union_all(land.geometry.array)
    shapely.prepare(union)
    return union


def places_metric() -> gpd.GeoDataFrame:
    return load_places().to_crs(METRIC)


# --- the committed tables -------------------------------------------------------------------------------------


def test_committed_tables_load() -> None:
    places = load_places()
    assert places.crs is not None and places.crs.to_epsg() == 4326
    assert list(places.columns) == ["slug", "name", "kind", "province", "source", "geometry"]
    assert list(load_boats().index) == list(BOAT_CLASSES)
    assert len(load_sea_states()) == len(SEA_AREAS) * len(ROUTE_SEASONS)
    assert list(load_sea_areas()["slug"]) == list(SEA_AREAS)
    flows = load_flows()
    assert len(flows) >= 12
    assert set(flows["kind"]) == {"landing", "tppo"}
    assert len(load_ferries()) >= 8
    assert len(load_sailing_times()) >= 2


def test_every_harbour_is_a_place_with_the_same_point() -> None:
    harbours = check_harbours(read_layer(HARBOURS)).set_index("slug")
    places = load_places().set_index("slug")
    assert set(harbours.index) <= set(places.index)
    for slug, harbour in harbours.iterrows():
        place = places.loc[slug]
        assert place["name"] == harbour["name"]
        assert place["kind"] == harbour["kind"]
        assert place["province"] == "Jawa Timur"
        assert place["source"]
        shift = gpd.GeoSeries([harbour.geometry, place.geometry], crs="EPSG:4326").to_crs(METRIC)
        metres = shift.iloc[0].distance(shift.iloc[1])
        assert metres <= HARBOUR_POINT_CORRECTIONS.get(str(slug), 0.5), f"{slug} moved {metres:.0f} m"


def test_at_least_18_places_outside_the_regency() -> None:
    islands = read_layer(ISLANDS)
    extent = shapely.box(*islands.total_bounds)
    places = load_places()
    outside = places[~places.geometry.within(extent)]
    assert len(outside) >= 18, list(outside["slug"])
    assert set(outside["kind"]) <= {"port", "staging_area"}
    assert set(outside["province"]) >= {"Jawa Timur", "Bali", "Nusa Tenggara Barat", "Kalimantan Selatan"}
    assert "Sulawesi Selatan" in set(outside["province"])


def test_every_place_is_at_the_waters_edge() -> None:
    """Each place is within 300 m of water (the router snaps within 300 m), and quays within 500 m of land."""
    land = land_metric()
    for slug, point in zip(places_metric()["slug"], places_metric().geometry, strict=True):
        if shapely.contains(land, point):
            to_water = shapely.distance(shapely.boundary(land), point)
            assert to_water <= 300.0, f"{slug} lies {to_water:.0f} m inland"
        elif slug not in OFFSHORE:
            to_land = shapely.distance(land, point)
            assert to_land <= 500.0, f"{slug} lies {to_land:.0f} m off the coast, not at a quay"


def test_every_place_has_open_water_one_km_out() -> None:
    """From each place, the point 1 km out on some bearing (every 15 degrees) is water: it is not in a closed pond."""
    land = land_metric()
    bearings = np.radians(np.arange(0, 360, 15))
    for slug, point in zip(places_metric()["slug"], places_metric().geometry, strict=True):
        xs = point.x + 1000.0 * np.sin(bearings)
        ys = point.y + 1000.0 * np.cos(bearings)
        assert not shapely.contains_xy(land, xs, ys).all(), f"no water 1 km out from {slug}"


def test_kalianget_and_talango_face_each_other_across_the_strait() -> None:
    places = places_metric().set_index("slug")
    assert places.loc["kalianget"].geometry.distance(places.loc["talango"].geometry) < 3000.0


def test_sea_areas_cover_every_sea_point_of_the_mask_once() -> None:
    areas = load_sea_areas()
    land = gpd.read_file(ROUTES_DIR / "land.fgb")
    union = shapely.union_all(land.geometry.array)
    shapely.prepare(union)
    x0, y0, x1, y1 = 110.5, -9.5, 120.5, -2.5
    step = 0.1
    # An offset grid, so that no sample lies exactly on a drawn edge.
    xs, ys = np.meshgrid(np.arange(x0 + 0.0137, x1, step), np.arange(y0 + 0.0173, y1, step))
    points = shapely.points(xs.ravel(), ys.ravel())
    sea = points[~shapely.contains(union, points)]
    assert len(sea) > 4000
    hits = sum(shapely.contains(geom, sea).astype(int) for geom in areas.geometry)
    assert (hits == 1).all(), f"{int((hits != 1).sum())} sea points in no area or in several"


def test_places_lie_in_the_sea_area_s23_puts_them_in() -> None:
    areas = load_sea_areas().set_index("slug")
    places = load_places().set_index("slug")
    expected = {
        "masalembu": "java_sea",
        "surabaya-tanjung-perak": "madura_strait",
        "gayam": "madura_strait",
        "ketapang": "bali_sea",
        "celukan-bawang": "bali_sea",
        "bima": "flores_sea",
        "parepare": "makassar_strait",
        "banjarmasin-trisakti": "java_sea",
    }
    for slug, area in expected.items():
        point = places.loc[slug].geometry
        nearest = min(areas.index, key=lambda a: areas.loc[a].geometry.distance(point))
        assert nearest == area, f"{slug} is in {nearest}, not {area}"


def test_java_sea_in_the_west_monsoon_closes_the_perahu_but_not_the_steel_ship() -> None:
    boats = load_boats()
    wave = float(load_sea_states().loc[("java_sea", "west"), "wave_m"])
    assert wave > float(boats.loc["perahu", "max_wave_m"])
    assert wave <= float(boats.loc["steel_ship", "max_wave_m"])


def test_boat_limits_follow_bmkg_thresholds_and_get_stricter_for_smaller_boats() -> None:
    boats = load_boats()
    assert boats["max_wave_m"].to_dict() == {"perahu": 1.25, "fishing_boat": 1.5, "speedboat": 2.5, "steel_ship": 4.0}
    assert boats.loc["speedboat", "cruise_knots"] > boats.loc["steel_ship", "cruise_knots"]
    assert boats.loc["perahu", "cruise_knots"] < boats.loc["fishing_boat", "cruise_knots"]


def test_speeds_match_the_published_kalianget_kangean_times() -> None:
    """The calm-water time over a sea route of 130-150 km is within 25 % of the published sailing time."""
    boats = load_boats()
    times = load_sailing_times().set_index(["origin", "destination", "vessel_class"])
    for vessel_class in ("speedboat", "steel_ship"):
        published = float(times.loc[("kalianget", "kangean", vessel_class), "hours"])
        knots = float(boats.loc[vessel_class, "cruise_knots"])
        for km in (130.0, 150.0):
            hours = km / (knots * 1.852)
            assert 0.75 * published <= hours <= 1.25 * published, (vessel_class, km, hours, published)


def test_sea_states_use_the_douglas_code_of_their_wave_height() -> None:
    states = load_sea_states()
    for wave, code in zip(states["wave_m"], states["sea_state"], strict=True):
        assert douglas_code(wave) == code
    # Calmest in the transition months, everywhere.
    for area in SEA_AREAS:
        assert states.loc[(area, "transition"), "wave_m"] <= min(
            states.loc[(area, "west"), "wave_m"], states.loc[(area, "east"), "wave_m"]
        )


def test_flows_ferries_and_sailing_times_name_known_places() -> None:
    places = load_places()
    flows = load_flows()
    check_place_references(places, flows=flows, ferries=load_ferries(), sailing_times=load_sailing_times())
    known = set(places["slug"]) | {SUMENEP_COAST}
    assert set(flows["origin"]) | set(flows["destination"]) <= known
    landings = flows[flows["kind"] == "landing"]
    departures = flows[flows["kind"] == "tppo"]
    assert (landings["destination"] == SUMENEP_COAST).all()
    assert len(landings) >= 6 and len(departures) >= 6
    assert all(isinstance(s, tuple) and s for s in flows["seasons"])
    assert (flows["weight"] > 0).all()
    with pytest.raises(RouteDataError, match=r"flows: row 1, column 'origin': unknown place 'banjarmasin-trisakti'"):
        check_place_references(set(places["slug"]) - {"banjarmasin-trisakti"}, flows=flows)


def test_ferries_include_the_links_of_the_regency() -> None:
    pairs = {frozenset(p) for p in load_ferries()[["from", "to"]].itertuples(index=False)}
    for a, b in [("kalianget", "talango"), ("kalianget", "kangean"), ("kalianget", "sapeken"),
                 ("kalianget", "masalembu"), ("kalianget", "raas-brakas"), ("kalianget", "gayam")]:  # fmt: skip
        assert frozenset((a, b)) in pairs, (a, b)


def test_sea_areas_file_is_what_the_build_script_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_sea_areas", REPO / "data" / "build_sea_areas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROUTES_DIR / "sea_areas.geojson").read_text() == module.to_geojson(module.build())


# --- bad input: a tiny table per rule -------------------------------------------------------------------------

PLACES_HEADER = "slug,name,kind,lon,lat,province,source"
GOOD_PLACE = "kalianget,Kalianget,official_port,113.94,-7.05,Jawa Timur,register"

BOATS = {slug: f"{slug},{slug},{slug},8,1.5,src" for slug in BOAT_CLASSES}


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("kalianget,Other,port,113.9,-7.0,Jawa Timur,src", r"row 2, column 'slug': duplicate 'kalianget'"),
        ("Bad Slug,X,port,113.9,-7.0,Jawa Timur,src", r"row 2, column 'slug': 'Bad Slug' is not a slug"),
        (",X,port,113.9,-7.0,Jawa Timur,src", r"row 2, column 'slug': must not be empty"),
        ("sumenep-coast,X,port,113.9,-7.0,Jawa Timur,src", r"row 2, column 'slug': 'sumenep-coast' is reserved"),
        ("x,X,harbour,113.9,-7.0,Jawa Timur,src", r"row 2, column 'kind': unknown value 'harbour'"),
        ("x,X,port,-7.0,113.9,Jawa Timur,src", r"row 2, column 'lon': -7.0: must lie within 110.5..120.5"),
        ("x,X,port,113.9,-12.0,Jawa Timur,src", r"row 2, column 'lat': -12.0: must lie within -9.5..-2.5"),
        ("x,X,port,east,-7.0,Jawa Timur,src", r"row 2, column 'lon': 'east' is not a number"),
        ("x,X,port,113.9,-7.0,Jawa Timur,", r"row 2, column 'source': must not be empty"),
        ("x,,port,113.9,-7.0,Jawa Timur,src", r"row 2, column 'name': must not be empty"),
    ],
)
def test_bad_places_name_row_and_column(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, "places.csv", PLACES_HEADER, GOOD_PLACE, row)
    with pytest.raises(ValueError, match=message) as info:
        load_places(path)
    assert str(path) in str(info.value)


def test_places_missing_column_and_empty_table(tmp_path: Path) -> None:
    with pytest.raises(RouteDataError, match=r"missing column\(s\) province"):
        load_places(write(tmp_path, "a.csv", "slug,name,kind,lon,lat,source", "x,X,port,113.9,-7.0,src"))
    with pytest.raises(RouteDataError, match=r"no rows"):
        load_places(write(tmp_path, "b.csv", PLACES_HEADER))
    with pytest.raises(RouteDataError, match=r"file not found"):
        load_places(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([*BOATS.values(), "canoe,c,c,3,1,src"], r"row 5, column 'slug': unknown value 'canoe'"),
        ([*list(BOATS.values())[:3]], r"column 'slug': every one of .* needs a row; missing steel_ship"),
        ([*BOATS.values(), BOATS["perahu"]], r"row 5, column 'slug': duplicate 'perahu'"),
        ([BOATS["perahu"].replace(",8,", ",0,"), *list(BOATS.values())[1:]], r"row 1, column 'cruise_knots': 0"),
        ([*list(BOATS.values())[:3], "steel_ship,s,s,9,-1,src"], r"row 4, column 'max_wave_m': -1: must be"),
        ([*list(BOATS.values())[:3], "steel_ship,s,s,fast,4,src"], r"row 4, column 'cruise_knots': 'fast' is not"),
        ([*list(BOATS.values())[:3], "steel_ship,s,s,9,4,"], r"row 4, column 'source': must not be empty"),
    ],
)
def test_bad_boats_name_row_and_column(tmp_path: Path, rows: list[str], message: str) -> None:
    path = write(tmp_path, "boats.csv", "slug,name,name_id,cruise_knots,max_wave_m,source", *rows)
    with pytest.raises(ValueError, match=message):
        load_boats(path)


def sea_state_rows() -> list[str]:
    return [f"{a},{s},0.7,3,src" for a in SEA_AREAS for s in ROUTE_SEASONS]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: rows[:-1], r"'makassar_strait' x 'transition' is missing"),
        (lambda rows: [*rows, rows[0]], r"row 16, column 'area', 'season': duplicate 'java_sea', 'west'"),
        (lambda rows: [*rows, "arafura_sea,west,1,3,src"], r"row 16, column 'area': unknown value 'arafura_sea'"),
        (lambda rows: ["java_sea,monsoon,1,3,src", *rows], r"row 1, column 'season': unknown value 'monsoon'"),
        (lambda rows: ["java_sea,west,1.6,3,src", *rows[1:]], r"row 1, column 'sea_state': 3 is not the WMO code"),
        (lambda rows: ["java_sea,west,-1,3,src", *rows[1:]], r"row 1, column 'wave_m': -1: must be a number >= 0"),
        (lambda rows: ["java_sea,west,0.7,3,", *rows[1:]], r"row 1, column 'source': must not be empty"),
    ],
)
def test_bad_sea_states_name_row_and_column(tmp_path: Path, edit: object, message: str) -> None:
    rows = edit(sea_state_rows())  # type: ignore[operator]
    path = write(tmp_path, "sea_states.csv", "area,season,wave_m,sea_state,source", *rows)
    with pytest.raises(ValueError, match=message):
        load_sea_states(path)


FLOWS_HEADER = "origin,destination,kind,boats,seasons,weight,rationale,source"
KNOWN = {"kalianget", "kangean", "batulicin"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("atlantis,sumenep-coast,landing,perahu,all,1,why,src", r"row 2, column 'origin': unknown place 'atlantis'"),
        ("kangean,kangean,landing,perahu,all,1,why,src", r"row 2, column 'destination': must differ"),
        ("sumenep-coast,sumenep-coast,tppo,perahu,all,1,why,src", r"row 2, column 'destination': must differ"),
        ("kangean,sumenep-coast,smuggling,perahu,all,1,why,src", r"row 2, column 'kind': unknown value 'smuggling'"),
        ("kangean,sumenep-coast,landing,perahu|canoe,all,1,why,src", r"row 2, column 'boats': unknown value 'canoe'"),
        ("kangean,sumenep-coast,landing,,all,1,why,src", r"row 2, column 'boats': must list one or more"),
        ("kangean,sumenep-coast,landing,perahu|perahu,all,1,why,src", r"row 2, column 'boats': .* lists a value twice"),
        ("kangean,sumenep-coast,landing,perahu,winter,1,why,src", r"row 2, column 'seasons': unknown value 'winter'"),
        ("kangean,sumenep-coast,landing,perahu,all,0,why,src", r"row 2, column 'weight': 0: must be a number > 0"),
        ("kangean,sumenep-coast,landing,perahu,all,-2,why,src", r"row 2, column 'weight': -2: must be a number > 0"),
        ("kangean,sumenep-coast,landing,perahu,all,1,,src", r"row 2, column 'rationale': must not be empty"),
        ("kangean,sumenep-coast,landing,perahu,all,1,why,", r"row 2, column 'source': must not be empty"),
    ],
)
def test_bad_flows_name_row_and_column(tmp_path: Path, row: str, message: str) -> None:
    good = "batulicin,sumenep-coast,landing,perahu|steel_ship,east|transition,2,why,src"
    path = write(tmp_path, "flows.csv", FLOWS_HEADER, good, row)
    with pytest.raises(ValueError, match=message):
        load_flows(path, places=KNOWN)


def test_flows_expand_all_and_keep_vocabulary_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "flows.csv",
        FLOWS_HEADER,
        "sumenep-coast,batulicin,tppo,steel_ship|perahu,all,2.5,why,src",
        "kangean,sumenep-coast,landing,speedboat,transition|west,1,why,src",
    )
    flows = load_flows(path, places=KNOWN)
    assert flows.loc[0, "boats"] == ("perahu", "steel_ship")
    assert flows.loc[0, "seasons"] == ROUTE_SEASONS
    assert flows.loc[1, "seasons"] == ("west", "transition")
    assert math.isclose(flows.loc[0, "weight"], 2.5)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("k-x,K,kalianget,atlantis,op,src", r"row 2, column 'to': unknown place 'atlantis'"),
        ("k-x,K,sumenep-coast,kangean,op,src", r"row 2, column 'from': unknown place 'sumenep-coast'"),
        ("k-x,K,kangean,kangean,op,src", r"row 2, column 'to': must differ"),
        ("k-k,K,kangean,kalianget,op,src", r"row 2, column 'route': duplicate 'k-k'"),
        ("k-x,K,kangean,kalianget,,src", r"row 2, column 'operator': must not be empty"),
    ],
)
def test_bad_ferries_name_row_and_column(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, "ferries.csv", "route,name,from,to,operator,source", "k-k,K,kalianget,kangean,op,src", row)
    with pytest.raises(ValueError, match=message):
        load_ferries(path, places=KNOWN)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("kalianget,kangean,canoe,3,v,src", r"row 2, column 'vessel_class': unknown value 'canoe'"),
        ("kalianget,kangean,steel_ship,0,v,src", r"row 2, column 'hours': 0: must be a number > 0"),
        ("kalianget,kangean,speedboat,4,v,src", r"row 2, column 'origin', 'destination', 'vessel_class': duplicate"),
        ("kalianget,atlantis,steel_ship,9,v,src", r"row 2, column 'destination': unknown place 'atlantis'"),
        ("kalianget,kangean,steel_ship,9,v,", r"row 2, column 'source': must not be empty"),
    ],
)
def test_bad_sailing_times_name_row_and_column(tmp_path: Path, row: str, message: str) -> None:
    header = "origin,destination,vessel_class,hours,vessel,source"
    path = write(tmp_path, "sailing_times.csv", header, "kalianget,kangean,speedboat,4.5,v,src", row)
    with pytest.raises(ValueError, match=message):
        load_sailing_times(path, places=KNOWN)


def test_bad_sea_areas_name_feature_and_rule(tmp_path: Path) -> None:
    areas = load_sea_areas()
    path = tmp_path / "areas.geojson"
    areas.iloc[:4].to_file(path, driver="GeoJSON")
    with pytest.raises(RouteDataError, match=r"column 'slug': every one of .* missing makassar_strait"):
        load_sea_areas(path)
    renamed = areas.assign(slug=[*areas["slug"].iloc[:4], "java_sea"])
    renamed.to_file(path, driver="GeoJSON")
    with pytest.raises(RouteDataError, match=r"row 5, column 'slug': duplicate 'java_sea'"):
        load_sea_areas(path)
    lines = areas.assign(geometry=[g.boundary for g in areas.geometry])
    lines.to_file(path, driver="GeoJSON")
    with pytest.raises(RouteDataError, match=r"row 1, column 'geometry': must be a Polygon or MultiPolygon"):
        load_sea_areas(path)
    bowtie = shapely.Polygon([(111, -5), (112, -4), (112, -5), (111, -4)])
    broken = areas.assign(geometry=[bowtie, *areas.geometry.iloc[1:]])
    broken.to_file(path, driver="GeoJSON")
    with pytest.raises(RouteDataError, match=r"row 1, column 'geometry': invalid polygon"):
        load_sea_areas(path)
    unsourced = areas.assign(source=["", *areas["source"].iloc[1:]])
    unsourced.to_file(path, driver="GeoJSON")
    with pytest.raises(RouteDataError, match=r"row 1, column 'source': must not be empty"):
        load_sea_areas(path)


def test_douglas_code_boundaries() -> None:
    assert [douglas_code(h) for h in (0.0, 0.05, 0.3, 0.5, 0.51, 1.25, 1.3, 2.5, 3.0, 4.0, 5.0)] == [
        0, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
    ]  # fmt: skip
    assert pd.Series([douglas_code(h) for h in (6.5, 10.0, 20.0)]).tolist() == [7, 8, 9]
