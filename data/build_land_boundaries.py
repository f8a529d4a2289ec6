"""Write ``data/land_boundaries.geojson``: the outline edges in our island layer that are land borders, not coast.

Madura is cut at the Sumenep-Pamekasan boundary (``MADURA_BOUNDARY`` in ``data/build_islands.py``), so the
west edge of ``Madura (Sumenep)`` is a line across land. Segmentation and the synthetic generator drop outline
parts within a few tens of metres of these lines. Run ``.venv/bin/python data/build_land_boundaries.py``; the
output is deterministic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_islands import MADURA_BOUNDARY

OUTPUT = Path(__file__).resolve().parent / "land_boundaries.geojson"


def main() -> None:
    feature = {
        "type": "Feature",
        "properties": {
            "name": "Sumenep-Pamekasan boundary",
            "source": "MADURA_BOUNDARY in data/build_islands.py (BIG/Kemendagri via cahyadsn/wilayah_boundaries)",
        },
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lon, lat in MADURA_BOUNDARY]},
    }
    OUTPUT.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, indent=1) + "\n")


if __name__ == "__main__":
    main()
