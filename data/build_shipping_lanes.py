"""Build ``data/shipping_lanes.geojson``: the global shipping-lane network of ``searoute``, clipped to the regency.

The PyPI package ``searoute`` ships a maritime network (``marnet_searoute.geojson``, derived from Eurostat's
SeaRoute / Oak Ridge National Laboratory's Global Shipping Lane Network). This script keeps the lane lines that
cross a box one degree around ``geo.crs.REGENCY_BOUNDS``, clipped to it, as one LineString feature each, with
coordinates rounded to 6 decimals and sorted, so rerunning gives a byte-identical file.

Run ``uv sync --group data && .venv/bin/python data/build_shipping_lanes.py``; see ``data/README.md``.
"""

from __future__ import annotations

import json
from importlib import metadata, resources
from pathlib import Path

import shapely

from geo.crs import REGENCY_BOUNDS

OUTPUT = Path(__file__).resolve().parent / "shipping_lanes.geojson"
MARGIN_DEG = 1.0


def main() -> None:
    path = resources.files("searoute") / "data" / "marnet_searoute.geojson"
    network = json.loads(path.read_text())
    lo_x, lo_y, hi_x, hi_y = REGENCY_BOUNDS
    box = shapely.box(lo_x - MARGIN_DEG, lo_y - MARGIN_DEG, hi_x + MARGIN_DEG, hi_y + MARGIN_DEG)
    lines = []
    for feature in network["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        if not geom.intersects(box):
            continue
        for part in shapely.get_parts(geom.intersection(box)):
            if part.geom_type == "LineString" and part.length > 0:
                lines.append([[round(x, 6), round(y, 6)] for x, y in part.coords])
    lines.sort()
    version = metadata.version("searoute")
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "shipping", "name": f"searoute lane {i + 1}", "source": f"searoute {version}"},
            "geometry": {"type": "LineString", "coordinates": coords},
        }
        for i, coords in enumerate(lines)
    ]
    OUTPUT.write_text(json.dumps({"type": "FeatureCollection", "features": features}) + "\n")
    print(f"{OUTPUT}: {len(features)} lane lines from searoute {version}")


if __name__ == "__main__":
    main()
