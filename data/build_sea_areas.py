"""Build ``data/routes/sea_areas.geojson``: the five sea areas whose typical sea state slows or stops boats.

The areas follow the International Hydrographic Organization's *Limits of Oceans and Seas* (Special Publication
S-23, 3rd edition, 1953), chapter "East Indian Archipelago", inside the land mask's extent (110.5-120.5 E,
9.5-2.5 S). The polygons are drawn by hand from the S-23 turning points; where a limit runs along a coast or
"through" an island, the polygon edge cuts across the land instead (the areas label water only, so an edge over
land changes nothing). Every point of the extent lies in exactly one area: four areas are drawn and the Java
Sea is the rest of the extent.

The S-23 turning points used (degrees and minutes as printed in S-23, converted to decimal degrees; where S-23
names a cape without a position, the point is read off the land mask ``data/routes/land.fgb``):

- **Makassar Strait, southern limit**: the south-western extreme of Celebes (5°37'S 119°27'E), the southern
  point of Tanakeke (read off the mask: 119.2835 E 5.5330 S), the southern extreme of Laut island (4°06'S
  116°06'E; mask 116.091 E 4.0854 S), up the west coast of Laut to Tanjung Kiwi and across to Tanjung Petang,
  Borneo (3°37'S 115°57'E). The west coast of Laut at Tanjung Petang's latitude is 116.005 E on the mask.
- **Flores Sea, western limit**: Tanjung Sarokaja on Sumbawa (8°22'S 117°10'E), the western Paternoster island
  (7°26'S 117°08'E), the north-eastern Postiljon island (6°33'S 118°49'E) and the west point of Laikang Bay,
  Celebes (5°37'S 119°30'E). Its northern limit is the south coast of Celebes.
- **Bali Sea**: north, a line from the western Paternoster island to the east point of Sepanjang (mask: 115.899 E
  7.1751 S), through that island (west point 115.7414 E 7.153 S) to the west point of Gedeh Bay on Kangean's
  south coast (7°01'S 115°18'E; the mask's southern point of Kangean, 115.2926 E 7.0124 S); west, a line from
  there to Tanjung Sedano, the north-eastern extreme of Java (mask: 114.4422 E 7.7924 S), and down Java's east
  coast; east, Sumbawa's west and north coasts to Tanjung Sarokaja and the Flores Sea's western limit; south,
  Bali, Nusa Penida and Lombok to Tanjung Mangkoen, the south-western extreme of Sumbawa (9°01'S 116°43'E).
- **Java Sea**: everything else. S-23 has no Madura Strait: the water between Java and Madura is part of its
  Java Sea.

Three choices are Pesisir's own, not S-23's:

- **Madura Strait** (``madura_strait``) is carved out of the S-23 Java Sea because its sea state differs (it is
  sheltered by Madura in the west monsoon): the water south of Madura, from the Surabaya narrows (a line across
  the northern mouth of the Surabaya West Channel at 6.98 S, so Gresik, Kamal and Tanjung Perak are in it)
  to the Bali Sea's western limit. Its northern edge east of Madura is the line from Madura's eastern point
  (mask: 114.1255 E 6.9778 S) to the west point of Gedeh Bay, so Sapudi, Ra'as and the water south of them are
  in the strait; the Kalianget-Kangean crossing north of Sapudi is in the Java Sea.
- **The Indian Ocean** south of Java, Bali and Lombok is not one of the areas (``geo.vocabulary.SEA_AREAS``): it
  is attached to the Bali Sea, which it meets through the Bali and Lombok straits. South of Sumbawa (east of
  Tanjung Mangkoen's meridian), the Indian Ocean and the Sumba Strait are attached to the Flores Sea. Their
  real swell is heavier than the tables say; routes that matter here do not go that way.
- **The Gulf of Bone** (S-23's "Gulf of Boni") reaches into the extent east of Celebes' south-western arm; it is
  attached to the Flores Sea, which it opens into. The Celebes arm is cut at 119.9 E (all land from 5.45 S to
  2.5 S on the mask).

Run it with ``.venv/bin/python data/build_sea_areas.py`` (about 10 s; ``--check`` only verifies the committed
file). The output is deterministic: coordinates to 4 decimals, counter-clockwise exteriors, areas in
``SEA_AREAS`` order. The script then checks the land mask: every sea point of a 0.05-degree grid falls in
exactly one area.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Final

import numpy as np
import shapely
from shapely.geometry.polygon import orient

DATA_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA_DIR.parent))

from geo.vocabulary import SEA_AREAS  # noqa: E402

OUTPUT = DATA_DIR / "routes" / "sea_areas.geojson"
LAND = DATA_DIR / "routes" / "land.fgb"
BOUNDS: Final = (110.5, -9.5, 120.5, -2.5)
SOURCE: Final = (
    'After IHO "Limits of Oceans and Seas", Special Publication S-23, 3rd edition (1953); '
    "hand-drawn by Pesisir (data/build_sea_areas.py)"
)

# S-23 turning points (lon, lat), named as in S-23; see the module docstring for where each comes from.
SW_CELEBES = (119.45, -5.6167)
TANAKEKE_S = (119.2835, -5.533)
LAUT_S = (116.091, -4.0854)
LAUT_W_AT_PETANG = (116.005, -3.6167)
TG_PETANG = (115.95, -3.6167)
LAIKANG_W = (119.50, -5.6167)
POSTILJON_NE = (118.8167, -6.55)
PATERNOSTER_W = (117.1333, -7.4333)
SAROKAJA = (117.1667, -8.3667)
MANGKOEN = (116.7167, -9.0167)
SEPANJANG_E = (115.899, -7.1751)
SEPANJANG_W = (115.7414, -7.153)
GEDEH_BAY_W = (115.2926, -7.0124)
TG_SEDANO = (114.4422, -7.7924)
MADURA_E = (114.1255, -6.9778)
# Pesisir's own vertices. CELEBES_CUT_* run over the land of Celebes' south-western arm; JAVA_INLAND runs over
# Java's land between its north and south coasts (west to east); SURABAYA_* close the Madura Strait at the
# northern mouth of the Surabaya West Channel (the ends lie on Java at Gresik and on Madura at Bangkalan).
CELEBES_CUT_S = (119.9, -5.45)
CELEBES_CUT_N = (119.9, -2.5)
BORNEO_N = (115.9, -2.5)
JAVA_INLAND = ((110.5, -7.6), (112.0, -7.7), (113.5, -8.0), (114.2, -8.0))
SURABAYA_W = (112.60, -6.98)
SURABAYA_E = (112.80, -6.98)
MADURA_INLAND = ((113.3, -7.0), (113.95, -6.96))
MADURA_STRAIT_S = ((114.2, -7.95), (113.5, -7.95), (112.9, -7.8), (112.6, -7.6), (112.55, -7.3))

NAMES: Final = {
    "java_sea": "Java Sea (Laut Jawa)",
    "madura_strait": "Madura Strait (Selat Madura)",
    "bali_sea": "Bali Sea (Laut Bali)",
    "flores_sea": "Flores Sea (Laut Flores)",
    "makassar_strait": "Makassar Strait (Selat Makassar)",
}


def drawn() -> dict[str, shapely.Polygon]:
    """The four drawn areas (before making them disjoint)."""
    x0, y0, x1, y1 = BOUNDS
    makassar = shapely.Polygon(
        [TG_PETANG, LAUT_W_AT_PETANG, LAUT_S, TANAKEKE_S, SW_CELEBES, LAIKANG_W, CELEBES_CUT_S, CELEBES_CUT_N,
         BORNEO_N]
    )  # fmt: skip
    flores = shapely.Polygon(
        [(MANGKOEN[0], y0), (x1, y0), (x1, y1), CELEBES_CUT_N, CELEBES_CUT_S, LAIKANG_W, POSTILJON_NE,
         PATERNOSTER_W, SAROKAJA, MANGKOEN]
    )  # fmt: skip
    bali = shapely.Polygon(
        [(x0, y0), (MANGKOEN[0], y0), MANGKOEN, SAROKAJA, PATERNOSTER_W, SEPANJANG_E, SEPANJANG_W, GEDEH_BAY_W,
         TG_SEDANO, *reversed(JAVA_INLAND)]
    )  # fmt: skip
    madura = shapely.Polygon(
        [SURABAYA_W, SURABAYA_E, *MADURA_INLAND, MADURA_E, GEDEH_BAY_W, TG_SEDANO, *MADURA_STRAIT_S]
    )
    return {"makassar_strait": makassar, "flores_sea": flores, "bali_sea": bali, "madura_strait": madura}


def build() -> dict[str, shapely.Geometry]:
    """The five areas, pairwise disjoint, covering :data:`BOUNDS` exactly."""
    box = shapely.box(*BOUNDS)
    taken: shapely.Geometry = shapely.Polygon()
    areas: dict[str, shapely.Geometry] = {}
    # Drawn areas take their water in this order; shared edges use the same vertices, so the differences only
    # remove slivers of floating-point noise.
    for slug, polygon in drawn().items():
        if not polygon.is_valid:
            raise SystemExit(f"error: the drawn {slug} polygon is invalid ({shapely.is_valid_reason(polygon)})")
        areas[slug] = shapely.difference(shapely.intersection(polygon, box), taken)
        taken = shapely.union(taken, areas[slug])
    areas["java_sea"] = shapely.difference(box, taken)
    return {slug: _clean(areas[slug]) for slug in SEA_AREAS}


def _clean(geometry: shapely.Geometry) -> shapely.Geometry:
    """Round to 4 decimals, drop slivers under 1e-6 square degrees, orient exteriors counter-clockwise."""
    geometry = shapely.set_precision(geometry, 1e-4)
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 1e-6]
    parts = [orient(p, sign=1.0) for p in sorted(parts, key=lambda p: (-p.area, p.bounds))]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def to_geojson(areas: dict[str, shapely.Geometry]) -> str:
    features = [
        {
            "type": "Feature",
            "properties": {"slug": slug, "name": NAMES[slug], "source": SOURCE},
            "geometry": json.loads(shapely.to_geojson(geometry)),
        }
        for slug, geometry in areas.items()
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"


def check(areas: dict[str, shapely.Geometry], land_path: Path = LAND, step: float = 0.05) -> int:
    """Count the sea points of a grid that fall in no area or in more than one; print and return that count."""
    import geopandas as gpd  # only the check needs it

    land = shapely.union_all(gpd.read_file(land_path).geometry.array)
    shapely.prepare(land)
    x0, y0, x1, y1 = BOUNDS
    # An offset grid, so that no sample lies exactly on a drawn edge.
    xs, ys = np.meshgrid(np.arange(x0 + step / 3, x1, step), np.arange(y0 + step / 3, y1, step))
    points = shapely.points(xs.ravel(), ys.ravel())
    sea = points[~shapely.contains(land, points)]
    hits = np.zeros(len(sea), dtype=int)
    for slug, geometry in areas.items():
        inside = shapely.contains(geometry, sea)
        hits += inside
        print(f"  {slug:16s} {int(inside.sum()):6d} sea points")
    bad = int((hits != 1).sum())
    print(f"  {len(sea)} sea points of a {step}-degree grid; {bad} in no area or in more than one")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed file instead of writing it")
    args = parser.parse_args(argv)
    text = to_geojson(build())
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"error: {OUTPUT} differs from what this script builds; rerun it")
            return 1
        print(f"{OUTPUT} is up to date")
    else:
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT}")
    features = json.loads(text)["features"]
    areas = {f["properties"]["slug"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in features}
    return 1 if check(areas) else 0


if __name__ == "__main__":
    raise SystemExit(main())
