"""Draw the reporting page's PNG icons (app/static/report/icon-192.png, icon-512.png) as app/static/report/icon.svg
draws them: a blue square, a sun and a wave. Plain Python (zlib), no image library and no outside asset.

    .venv/bin/python scripts/report_icons.py
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "app" / "static" / "report"
BLUE, FOAM, SUN = (0x1F, 0x4E, 0x79), (0xD6, 0xE6, 0xF2), (0xF2, 0xEF, 0xE6)


def pixel(x: float, y: float) -> tuple[int, int, int]:
    """The colour at (x, y) in the SVG's 64 x 64 box."""
    if (x - 40) ** 2 + (y - 22) ** 2 <= 100:
        return SUN
    # The wave: the stroke's centre line, 6 units wide (a sine through the SVG's two curves).
    centre = 44 + 4.5 * math.sin((x - 6) / 26 * math.pi)
    return FOAM if 6 <= x <= 58 and abs(y - centre) <= 3 else BLUE


def png(size: int) -> bytes:
    rows = bytearray()
    for j in range(size):
        rows.append(0)  # no filter
        for i in range(size):
            rows.extend(pixel((i + 0.5) * 64 / size, (j + 0.5) * 64 / size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    for size in (192, 512):
        path = OUT / f"icon-{size}.png"
        path.write_bytes(png(size))
        print(f"wrote {path} ({size} x {size})")
