"""Build ``data/sumenep_islands.geojson``: Kabupaten Sumenep's island outlines from OpenStreetMap.

Pesisir cuts every island's coastline into segments and scores them, so it needs one outline per island, named
with the official island codes. No official outline is openly licensed and available offline, but the PyPI
package ``roaring-landmask`` ships the OpenStreetMap land polygons (ODbL) for the whole globe. This script:

1. loads those polygons (~745,000, 154 MB of WKB; 15-30 s) and keeps the ones inside the regency: the
   big Madura polygon clipped east of the Pamekasan boundary, and every island from Giligenting to Sakala
   and north to Masalembu and Karamian;
2. names each polygon from ``data/official_islands.csv`` (the 38 inhabited islands of Kepmendagri
   300.2.2-2430/2025): an official point names the polygon that contains it, or else the nearest polygon
   within 2 km; an official island that matches no polygon stops the script;
3. merges the further OSM polygons of a split island (:data:`SPLIT_PARTS`: OSM draws the western part of
   Ra'as, for one, as a polygon of its own) into that island's MultiPolygon, so that every part carries the
   island's code and inhabited flag; a listed part that matches no unnamed polygon stops the script;
4. writes a deterministic RFC 7946 FeatureCollection (rerunning gives a byte-identical file) and prints how
   the OSM areas compare with the official ones.

Run it with ``uv sync --group data && .venv/bin/python data/build_islands.py``; see ``data/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from geo.crs import METRIC, WGS84

DATA_DIR = Path(__file__).resolve().parent
DEFAULT_OFFICIAL = DATA_DIR / "official_islands.csv"
DEFAULT_OUTPUT = DATA_DIR / "sumenep_islands.geojson"

# Where to look for the regency's land (min lon, min lat, max lon, max lat). It is geo.crs.REGENCY_BOUNDS
# with the north edge moved from 4.9 S to 5.0 S: north of 5.0 S lie Pulau Kalambau (115.66 E 4.92 S, ~7 km²)
# and an islet next to it, which belong to Kabupaten Kotabaru, South Kalimantan. Karamian, Sumenep's
# northernmost island, ends at 5.04 S. Java's north coast (7.6 S and beyond) and Mandangin (Sampang,
# 113.2 E) lie outside.
SELECTION_BOX = (113.5, -7.45, 116.35, -5.0)

# Madura is one polygon shared by four regencies; Sumenep is its eastern end. The cut follows the
# Sumenep-Pamekasan boundary, south coast to north coast, as vertices (lon, lat) every few kilometres taken
# from the BIG/Kemendagri administrative boundaries (compiled by the public repository
# cahyadsn/wilayah_boundaries, MIT), extended a few kilometres out to sea at both ends so the cut crosses the
# whole coastline. The first approximation, the meridian 113.57 E, took in 136 km² of Pamekasan.
MADURA_BOUNDARY = (
    (113.6036, -7.2000),  # at sea, due south of the boundary's south-coast end
    (113.6036, -7.1247),
    (113.6115, -7.1056),
    (113.6227, -7.1040),
    (113.6213, -7.0852),
    (113.5912, -7.0612),
    (113.6049, -7.0425),
    (113.5821, -7.0435),
    (113.5762, -7.0314),
    (113.5923, -7.0094),
    (113.6190, -7.0095),
    (113.6092, -7.0004),
    (113.6084, -6.9737),
    (113.6265, -6.9648),
    (113.6254, -6.9485),
    (113.6497, -6.9196),
    (113.6356, -6.9172),
    (113.6419, -6.8903),
    (113.6419, -6.8000),  # at sea, due north of the boundary's north-coast end
)
MADURA_WEST = min(lon for lon, _ in MADURA_BOUNDARY)


def sumenep_side() -> shapely.Polygon:
    """The area east of the Sumenep-Pamekasan boundary, closed far out in the sea beyond Madura's east end."""
    ring = [*MADURA_BOUNDARY, (114.6, MADURA_BOUNDARY[-1][1]), (114.6, MADURA_BOUNDARY[0][1])]
    return shapely.Polygon(ring)


MADURA_CODE = "35.29"
MADURA_NAME = "Madura (Sumenep)"

MATCH_DISTANCE_M = 2000.0
"""An official point outside every polygon names the nearest polygon within this distance (metres)."""

SHORTFALL_RATIO = 0.75
"""An island whose OSM area is below this share of its official area is reported as a shortfall."""

# The OSM polygons that are further parts of a named island: OSM splits Ra'as, Sepanjang, Kangean and Paliat
# into several polygons, and only the one that holds the official point is named by it. Each row is
# (official code, lon, lat): a point on the part (the point-on-surface its former ``OSM-<lon>-<lat>`` code was
# made from, to 4 decimals). That these polygons lie inside the named island is a fact taken from the desa
# boundaries of BIG/Kemendagri (as compiled by the public repository cahyadsn/wilayah_boundaries, MIT): each
# part lies, for 87-100 % of its area, inside a desa outline of that island. The geometry stays OSM's.
SPLIT_PARTS: tuple[tuple[str, float, float], ...] = (
    ("35.29.40059", 114.4907, -7.1476),  # Ra'as: the western part of the island, 6.6 km²
    ("35.29.40059", 114.5001, -7.1402),  # Ra'as: islets along its coast
    ("35.29.40059", 114.5015, -7.1392),
    ("35.29.40059", 114.5083, -7.1446),
    ("35.29.40091", 115.9008, -7.1369),  # Sepanjang: a 2.1 km² part of its coast
    ("35.29.40091", 115.8851, -7.1256),  # Sepanjang: islets along its coast
    ("35.29.40091", 115.8948, -7.1103),
    ("35.29.40091", 115.8959, -7.1589),
    ("35.29.40028", 115.2911, -7.0061),  # Kangean: islets off the south coast
    ("35.29.40028", 115.2931, -7.0036),
    ("35.29.40028", 115.2940, -6.9934),
    ("35.29.40028", 115.3035, -6.9713),
    ("35.29.40028", 115.3206, -6.9721),
    ("35.29.40048", 115.6315, -7.0042),  # Paliat: an islet off its coast
)

PART_MATCH_DISTANCE_M = 50.0
"""A split part's point (rounded to 4 decimals, about 11 m) names the polygon that contains it, or else the
nearest polygon within this distance (metres)."""

COORD_DECIMALS = 6
"""Output precision: 1e-6 degree is about 0.11 m, far below the ~55 m simplification of the source."""


class BuildError(RuntimeError):
    """A condition under which the output would be wrong: the message says what and where."""


@dataclass(frozen=True)
class OfficialIsland:
    code: str
    name: str
    inhabited: bool
    lon: float
    lat: float
    area_km2: float | None


@dataclass
class Island:
    """One output feature: an OSM polygon (or the clipped Madura) and the official islands it carries."""

    geometry: shapely.Geometry  # WGS84, MultiPolygon, on the output grid
    metric: shapely.Geometry  # the same in METRIC
    is_madura: bool = False
    officials: list[tuple[OfficialIsland, float]] = field(default_factory=list)  # (island, distance in m)
    parts_of: str | None = None  # the official code of the named island this polygon is a further part of


def log(message: str) -> None:
    print(message, flush=True)


def load_osm_land() -> tuple[np.ndarray, str]:
    """Return every OSM land polygon as a shapely array, and the roaring-landmask version they came from."""
    try:
        from roaring_landmask import LandmaskProvider, Shapes  # a 100 MB optional dependency
    except ImportError:
        raise SystemExit(
            "error: the package roaring-landmask is not installed; run `uv sync --group data` first"
        ) from None
    version = metadata.version("roaring-landmask")
    log(f"loading OpenStreetMap land polygons from roaring-landmask {version} (about 20 s) ...")
    started = time.monotonic()
    wkb = Shapes.new(LandmaskProvider.Osm).wkb(LandmaskProvider.Osm)
    polygons = shapely.get_parts(shapely.from_wkb(wkb))
    log(f"  {len(polygons):,} polygons in {time.monotonic() - started:.0f} s")
    return polygons, version


def read_official(path: Path) -> list[OfficialIsland]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    islands = []
    for row in rows:
        area = row["official_area_km2"].strip()
        islands.append(
            OfficialIsland(
                code=row["code"],
                name=row["name"],
                inhabited=row["inhabited"].strip().lower() == "true",
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                area_km2=float(area) if area else None,
            )
        )
    codes = [i.code for i in islands]
    if len(set(codes)) != len(codes):
        raise BuildError(f"{path}: island codes are not unique")
    return islands


def to_metric(geom: Any) -> Any:
    transformer = Transformer.from_crs(WGS84, METRIC, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def finish(geom: shapely.Geometry, what: str) -> shapely.Geometry:
    """Snap to the output grid, orient exteriors counter-clockwise (RFC 7946) and check the result."""
    # set_precision snaps and keeps the polygon valid, where rounding the written numbers alone could not.
    snapped = shapely.orient_polygons(shapely.set_precision(geom, 10.0**-COORD_DECIMALS))
    parts = [p for p in shapely.get_parts(snapped) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        raise BuildError(f"{what}: nothing left after snapping to {COORD_DECIMALS} decimals")
    multi = shapely.MultiPolygon(parts)
    if not multi.is_valid:
        raise BuildError(f"{what}: invalid polygon ({shapely.is_valid_reason(multi)})")
    return multi


def select_sumenep(polygons: np.ndarray) -> list[Island]:
    """Keep the polygons of Kabupaten Sumenep: the clipped Madura and every island inside SELECTION_BOX."""
    box = shapely.box(*SELECTION_BOX)
    hits = polygons[shapely.STRtree(polygons).query(box, predicate="intersects")]
    log(f"  {len(hits)} polygons intersect the selection box {SELECTION_BOX}")
    madura_index = int(np.argmax(shapely.area(hits)))
    madura = hits[madura_index]
    if madura.bounds[0] >= MADURA_WEST:
        raise BuildError(f"the largest polygon in the box ends east of {MADURA_WEST} E: not Madura")
    east = sumenep_side()
    if not east.is_valid:
        raise BuildError(f"MADURA_BOUNDARY does not make a valid polygon: {shapely.is_valid_reason(east)}")
    geometries = [finish(shapely.intersection(madura, east), "Madura")]
    for i, polygon in enumerate(hits):
        if i == madura_index:
            continue
        # Clipping an island at the box edge would invent a coastline: refuse instead.
        if not shapely.within(polygon, box):
            raise BuildError(f"the island at {polygon.bounds} crosses the selection box edge; move the edge")
        geometries.append(finish(polygon, f"island at {polygon.bounds}"))
    metric = to_metric(np.array(geometries, dtype=object))
    pairs = zip(geometries, metric, strict=True)
    return [Island(geometry=g, metric=m, is_madura=i == 0) for i, (g, m) in enumerate(pairs)]


def match_official(islands: list[Island], official: list[OfficialIsland]) -> list[str]:
    """Attach each official island to its polygon; return one message per official island that has none."""
    tree = shapely.STRtree([i.metric for i in islands])
    points = to_metric(shapely.points([(o.lon, o.lat) for o in official]))
    missing = []
    for island, point in zip(official, points, strict=True):
        containing = tree.query(point, predicate="intersects")
        if len(containing):
            islands[int(min(containing))].officials.append((island, 0.0))
            continue
        nearest, distance = tree.query_nearest(point, max_distance=MATCH_DISTANCE_M, return_distance=True)
        if len(nearest):
            # Ties are practically impossible; take the lowest index so the result stays deterministic.
            islands[int(min(nearest))].officials.append((island, float(distance[0])))
        else:
            missing.append(
                f"{island.code} {island.name} ({island.lon}, {island.lat}): "
                f"no OSM polygon contains it or lies within {MATCH_DISTANCE_M / 1000:g} km"
            )
    return missing


def match_parts(islands: list[Island], parts: tuple[tuple[str, float, float], ...]) -> list[str]:
    """Mark each listed split part as a part of its named island; return one message per part that fails.

    A part must fall on an unnamed polygon (not Madura, not one that an official point names), and no polygon
    may be listed twice: either would mean OSM has redrawn the coast and the table needs a look.
    """
    tree = shapely.STRtree([i.metric for i in islands])
    named = {o.code for i in islands for o, _ in i.officials}
    points = to_metric(shapely.points([(lon, lat) for _, lon, lat in parts]))
    problems = []
    for (code, lon, lat), point in zip(parts, points, strict=True):
        where = f"split part {lon:.4f} {lat:+.4f} of {code}"
        if code not in named:
            problems.append(f"{where}: {code} names no polygon (not in the official list?)")
            continue
        hits = tree.query(point, predicate="intersects")
        if not len(hits):
            hits, _ = tree.query_nearest(point, max_distance=PART_MATCH_DISTANCE_M, return_distance=True)
        if not len(hits):
            problems.append(f"{where}: no polygon contains it or lies within {PART_MATCH_DISTANCE_M:g} m")
            continue
        island = islands[int(min(hits))]
        if island.is_madura or island.officials:
            problems.append(f"{where}: the polygon there is already named; remove the row or fix its point")
        elif island.parts_of is not None:
            problems.append(f"{where}: the polygon there is already listed as a part of {island.parts_of}")
        else:
            island.parts_of = code
    return problems


def merge_parts(islands: list[Island]) -> list[Island]:
    """Merge every split part into the MultiPolygon of the island it belongs to; return the islands left.

    The named polygon stays the largest part, so the segmentation (rings largest first, ordinals counted
    across them) keeps the ids of its segments and numbers the added parts' segments after them.
    """
    owner = {o.code: i for i in islands for o, _ in i.officials}
    for island in islands:
        if island.parts_of is None:
            continue
        target = owner[island.parts_of]
        if island.metric.area >= target.metric.area:
            raise BuildError(f"a split part of {island.parts_of} is larger than the polygon its official point names")
        parts = [*target.geometry.geoms, *island.geometry.geoms]
        target.geometry = finish(shapely.MultiPolygon(parts), f"{island.parts_of} with its split parts")
        target.metric = to_metric(target.geometry)
    return [i for i in islands if i.parts_of is None]


def primary_key(entry: tuple[OfficialIsland, float]) -> tuple[bool, float, str]:
    """Which official island names a polygon that carries several: the largest known area, then code order."""
    island, _ = entry
    return (island.area_km2 is None, -(island.area_km2 or 0.0), island.code)


def properties(island: Island, source: str) -> dict[str, Any]:
    area = round(island.metric.area / 1e6, 3)
    if island.is_madura:
        code, name, inhabited = MADURA_CODE, MADURA_NAME, True
    elif island.officials:
        first = island.officials[0][0]
        code, name, inhabited = first.code, first.name, any(o.inhabited for o, _ in island.officials)
    else:
        # A name and code from the geometry itself: stable across reruns as long as OSM does not redraw it.
        point = shapely.point_on_surface(island.geometry)
        code = f"OSM-{point.x:.4f}{point.y:+.4f}"
        name = f"Unnamed island {point.x:.4f} E {abs(point.y):.4f} S"
        inhabited = False
    official_areas = [o.area_km2 for o, _ in island.officials]
    known = bool(official_areas) and all(a is not None for a in official_areas)
    return {
        "code": code,
        "name": name,
        "official_codes": [o.code for o, _ in island.officials],
        "official_names": [o.name for o, _ in island.officials],
        "inhabited": inhabited,
        "area_km2": area,
        "official_area_km2": round(sum(a for a in official_areas if a is not None), 3) if known else None,
        "source": source,
    }


def feature(island: Island, source: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": properties(island, source),
        "geometry": geometry_json(island.geometry),
    }


def geometry_json(geom: shapely.Geometry) -> dict[str, Any]:
    def ring(r: shapely.LinearRing) -> list[list[float]]:
        return [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in r.coords]

    return {
        "type": "MultiPolygon",
        "coordinates": [[ring(p.exterior), *(ring(h) for h in p.interiors)] for p in geom.geoms],
    }


def write_geojson(features: list[dict[str, Any]], path: Path) -> None:
    # One feature per line: small diffs when OSM redraws an island, and still valid, plain JSON.
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def summarise(features: list[dict[str, Any]], official: list[OfficialIsland]) -> None:
    props = [f["properties"] for f in features]
    named = [p for p in props if p["official_codes"]]
    log("")
    log(
        f"{len(props)} islands: {MADURA_NAME}, {len(named)} carrying the {len(official)} official islands, "
        f"{len(props) - 1 - len(named)} unnamed"
    )
    known = [p for p in named if p["official_area_km2"] is not None]
    unknown = [p for p in named if p["official_area_km2"] is None]
    osm_known = sum(p["area_km2"] for p in known)
    official_known = sum(p["official_area_km2"] for p in known)
    log(
        f"named islands with known official area ({len(known)}): OSM {osm_known:.2f} km² vs official "
        f"{official_known:.2f} km² ({osm_known / official_known:.0%})"
    )
    if unknown:
        listed = ", ".join(f"{p['name']} {p['area_km2']:.2f}" for p in unknown)
        log(
            f"named islands without a complete official area: {sum(p['area_km2'] for p in unknown):.2f} km² "
            f"OSM ({listed})"
        )
    madura = next(p for p in props if p["code"] == MADURA_CODE)
    log(f"{MADURA_NAME}: {madura['area_km2']:.2f} km² (cut at the Sumenep-Pamekasan boundary)")
    log(f"all islands: {sum(p['area_km2'] for p in props):.2f} km²")
    shared = [" + ".join(p["official_names"]) for p in named if len(p["official_codes"]) > 1]
    log(f"polygons carrying several official islands: {'; '.join(shared) if shared else 'none'}")
    short = [p for p in known if p["area_km2"] < SHORTFALL_RATIO * p["official_area_km2"]]
    log(f"OSM area below {SHORTFALL_RATIO:.0%} of the official area: {len(short)}")
    for p in sorted(short, key=lambda p: p["area_km2"] / p["official_area_km2"]):
        log(
            f"  {p['name']:<18} OSM {p['area_km2']:8.3f} km²  official {p['official_area_km2']:8.3f} km²  "
            f"({p['area_km2'] / p['official_area_km2']:.0%})"
        )


def build(official_path: Path, output: Path) -> int:
    official = read_official(official_path)
    polygons, version = load_osm_land()
    log("selecting Kabupaten Sumenep ...")
    islands = select_sumenep(polygons)
    log(f"  {len(islands)} islands (Madura cut at the Sumenep-Pamekasan boundary)")
    log(f"naming from {official_path.name} ({len(official)} official islands) ...")
    missing = match_official(islands, official)
    missing += match_parts(islands, SPLIT_PARTS)
    if missing:
        for message in missing:
            print(f"error: {message}", file=sys.stderr)
        return 1
    log(f"merging {len(SPLIT_PARTS)} split parts into their named islands ...")
    islands = merge_parts(islands)
    for island in islands:
        island.officials.sort(key=primary_key)
        for o, distance in island.officials:
            if distance > 0:
                log(f"  {o.code} {o.name}: point {distance:.0f} m outside its polygon; nearest polygon")
    source = f"OpenStreetMap land polygons (roaring-landmask {version}), © OpenStreetMap contributors, ODbL"
    features = [feature(i, source) for i in islands]
    features.sort(key=lambda f: f["properties"]["code"])
    codes = [f["properties"]["code"] for f in features]
    if len(set(codes)) != len(codes):
        raise BuildError("two islands got the same code; make the generated codes longer")
    write_geojson(features, output)
    log(f"wrote {output} ({output.stat().st_size / 1000:.0f} kB)")
    summarise(features, official)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Extract Kabupaten Sumenep's island outlines from the OpenStreetMap land polygons inside "
        "roaring-landmask and name them from the official island list.",
    )
    parser.add_argument("--official", type=Path, default=DEFAULT_OFFICIAL, help="official island list (CSV)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="GeoJSON to write")
    args = parser.parse_args(argv)
    try:
        return build(args.official, args.output)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
