"""Draw the app's PNG icons (for the web manifest) from the design of static/icon.svg.

Run once after changing the design; the PNG files are committed, so neither the app nor its
tests need Pillow:

    python scripts/make_icons.py

The SVG is a 64-unit square: a green rounded square, a white curved stroke (a spine bending
into a stretch) and a white dot (the head). The drawing is made four times larger than wanted
and scaled down, which smooths the edges. The maskable icon fills the whole square with green
and keeps the figure inside the middle 80 %, the part every launcher's mask leaves visible.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

GREEN = (11, 110, 79, 255)  # #0b6e4f, the app's accent colour
WHITE = (255, 255, 255, 255)
OVERSAMPLE = 4
ICONS = Path(__file__).parents[1] / "src" / "backstretch" / "web" / "static" / "icons"

# The stroke "M22 50 c10-6 14-14 12-22 s2-14 10-16" as two cubic Bézier curves (absolute).
CURVES = (
    ((22.0, 50.0), (32.0, 44.0), (36.0, 36.0), (34.0, 28.0)),
    ((34.0, 28.0), (32.0, 20.0), (36.0, 14.0), (44.0, 12.0)),
)
STROKE_WIDTH = 6.0
HEAD = ((46.0, 12.0), 5.0)


def bezier(points: tuple[tuple[float, float], ...], steps: int = 64) -> list[tuple[float, float]]:
    """Return points along one cubic Bézier curve."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    found = []
    for step in range(steps + 1):
        t = step / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        found.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return found


def draw(size: int, *, maskable: bool) -> Image.Image:
    """Return the icon at `size` pixels square."""
    big = size * OVERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=GREEN)
        figure_scale = 0.72  # of the square: inside the 80 % safe circle, with a margin
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 14 / 64, fill=GREEN)
        figure_scale = 1.0
    unit = big / 64 * figure_scale
    offset = big * (1 - figure_scale) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset + x * unit, offset + y * unit)

    # A round brush dabbed closely along the curve: round caps and smooth bends, no joins.
    brush = STROKE_WIDTH * unit / 2
    for curve in CURVES:
        for x, y in (at(x, y) for x, y in bezier(curve, steps=400)):
            pen.ellipse((x - brush, y - brush, x + brush, y + brush), fill=WHITE)
    (hx, hy), radius = HEAD
    cx, cy = at(hx, hy)
    r = radius * unit
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        path = ICONS / name
        draw(size, maskable=maskable).save(path, optimize=True)
        sys.stdout.write(f"wrote {path.relative_to(ICONS.parents[4])}\n")


if __name__ == "__main__":
    main()
