"""Build ``data/routes/land.fgb``: the land mask of the seas around Sumenep that the sea graph avoids.

Boats that reach Sumenep come from the north coast of Java and the Madura Strait, Bali, Lombok and Sumbawa, the
south coast of Kalimantan and south-west Sulawesi, so the mask covers :data:`BOUNDS` (110.5-120.5 E,
9.5-2.5 S). Its land is:

- Sumenep's own coast: every feature of ``data/sumenep_islands.geojson`` (the layer the coast is segmented
  from, so a route and a segment agree on where the shore is);
- everything else: the OpenStreetMap land polygons as shipped inside the PyPI package ``roaring-landmask``
  (ODbL, "© OpenStreetMap contributors"), clipped to :data:`BOUNDS`, with the polygons that the islands layer
  replaces left out (any polygon that overlaps it) and Madura cut at the Sumenep-Pamekasan boundary (its
  eastern part is in the islands layer).

The output is a FlatGeobuf (EPSG:4326, ``source`` = ``sumenep_islands`` or ``osm``), coordinates snapped to
1e-6 degree, sorted, so rerunning gives the same features. ``tests/geo/test_landmask_data.py`` checks the
committed file without the package.

Run it with ``uv sync --group data && .venv/bin/python data/build_landmask.py``; see ``data/README.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

DATA_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA_DIR.parent))

from data.build_islands import load_osm_land, sumenep_side  # noqa: E402
from geo.io import read_layer  # noqa: E402

BOUNDS = (110.5, -9.5, 120.5, -2.5)
"""The mask's extent (min lon, min lat, max lon, max lat)."""
DEFAULT_ISLANDS = DATA_DIR / "sumenep_islands.geojson"
DEFAULT_OUTPUT = DATA_DIR / "routes" / "land.fgb"
DECIMALS = 6


def log(message: str) -> None:
    print(message, flush=True)


def build(islands_path: Path, output: Path) -> int:
    polygons, version = load_osm_land()
    box = shapely.box(*BOUNDS)
    osm = polygons[shapely.STRtree(polygons).query(box, predicate="intersects")]
    islands = read_layer(islands_path).to_crs("EPSG:4326")
    regency = shapely.union_all(islands.geometry.array)
    shapely.prepare(regency)
    keep = []
    east = sumenep_side()
    for polygon in osm:
        if not shapely.intersects(regency, polygon):
            keep.append(shapely.intersection(polygon, box))
        elif shapely.area(polygon) > 100 * shapely.area(regency) / len(islands):
            # Madura: the islands layer holds its Sumenep end; keep the west (Pamekasan, Sampang, Bangkalan).
            west = shapely.difference(polygon, east)
            if not west.is_empty:
                keep.append(west)
    osm_parts = [p for g in keep for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    frames = [
        gpd.GeoDataFrame(
            {"source": ["sumenep_islands"] * len(islands)}, geometry=list(islands.geometry.array), crs="EPSG:4326"
        ),
        gpd.GeoDataFrame(
            {"source": [f"osm (roaring-landmask {version})"] * len(osm_parts)}, geometry=osm_parts, crs="EPSG:4326"
        ),
    ]
    land = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    land["geometry"] = shapely.make_valid(shapely.set_precision(land.geometry.array, 10.0**-DECIMALS))
    land = land[~land.geometry.is_empty]
    bounds = shapely.bounds(land.geometry.array)
    land = land.iloc[np.lexsort((bounds[:, 1], bounds[:, 0]))].reset_index(drop=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    land.to_file(output, driver="FlatGeobuf", engine="pyogrio")
    vertices = int(shapely.get_num_coordinates(land.geometry.array).sum())
    log(
        f"wrote {output}: {len(land):,} polygons ({(land.source == 'sumenep_islands').sum()} from the islands layer),"
        f" {vertices:,} vertices, {output.stat().st_size / 1e6:.2f} MB"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build data/routes/land.fgb, the land mask of the sea graph.")
    parser.add_argument("--islands", type=Path, default=DEFAULT_ISLANDS, help="Sumenep's islands layer")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the mask")
    args = parser.parse_args(argv)
    return build(args.islands, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
