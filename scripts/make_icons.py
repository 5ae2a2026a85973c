"""Draw Claywork's PNG app icons once: the "C" of ``icon.svg`` and ``icon-maskable.svg`` on the
brand green, for the web app manifest (192 and 512 px, a maskable pair) and iOS's home screen
(``apple-touch-icon.png``, 180 px). Browsers that install an app want PNGs; the SVGs stay the
favicon and the source of the shapes.

Pure Python (zlib and struct): Pillow is not a dependency of Claywork, and drawing one annulus
with a cut needs none. Each pixel is the share of 4 x 4 samples inside the shape, so the edges
are smooth. The output is deterministic; run it again only when the shapes change:

    python scripts/make_icons.py
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "claywork" / "core" / "static" / "claywork"
GREEN = (0x2F, 0x5D, 0x50)
CREAM = (0xFB, 0xF8, 0xF3)
SAMPLES = 4


@dataclass(frozen=True)
class Letter:
    """The "C" as drawn on a 512-unit canvas centred on (256, 256): a ring between two radii,
    open on the right where the line from ``inner_end`` to ``outer_end`` (upper half, y down;
    mirrored below) cuts it, as the SVG paths do."""

    outer: float
    inner: float
    inner_end: tuple[float, float]
    outer_end: tuple[float, float]

    def covers(self, x: float, y: float) -> bool:
        dx, dy = x - 256, y - 256
        distance = dx * dx + dy * dy
        if not self.inner**2 <= distance <= self.outer**2:
            return False
        (ax, ay), (bx, by) = self.inner_end, self.outer_end
        up = -abs(dy)  # the lower half mirrors the upper
        # On the centre's side of the cut line (the centre gives a negative cross product).
        return (bx - ax) * (up - ay) - (by - ay) * (dx - ax) < 0


# icon.svg: outer radius 104, inner 62, ends (308, 230) and (344, 194).
PLAIN = Letter(outer=104, inner=62, inner_end=(52, -26), outer_end=(88, -62))
# icon-maskable.svg: larger, still inside the maskable safe zone (a circle of 40 % radius).
MASKABLE = Letter(outer=144, inner=88, inner_end=(72, -52), outer_end=(120, -86))


def pixels(letter: Letter, size: int) -> bytes:
    """Rows of RGB, each led by PNG's filter byte 0."""
    scale = 512 / size
    steps = [(index + 0.5) / SAMPLES for index in range(SAMPLES)]
    rows = bytearray()
    for row in range(size):
        rows.append(0)
        for column in range(size):
            inside = sum(
                letter.covers((column + sx) * scale, (row + sy) * scale)
                for sx in steps
                for sy in steps
            )
            share = inside / SAMPLES**2
            rows.extend(round(g + (c - g) * share) for g, c in zip(GREEN, CREAM, strict=True))
    return bytes(rows)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(letter: Letter, size: int) -> bytes:
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels(letter, size), 9))
        + chunk(b"IEND", b"")
    )


ICONS = {
    "icon-192.png": (PLAIN, 192),
    "icon-512.png": (PLAIN, 512),
    "icon-maskable-192.png": (MASKABLE, 192),
    "icon-maskable-512.png": (MASKABLE, 512),
    # iOS rounds the corners itself and ignores the manifest's icons.
    "apple-touch-icon.png": (PLAIN, 180),
}


def main() -> None:
    for name, (letter, size) in ICONS.items():
        (OUT / name).write_bytes(png(letter, size))
        print(f"{OUT / name} ({size} x {size})")


if __name__ == "__main__":
    main()
