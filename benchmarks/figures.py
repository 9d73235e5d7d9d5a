"""How big the figures are, and how long the whole gallery takes to draw.

For every stretch, the still (key poses side by side), the player's SVG (every keyframe, one
group each) and the single key pose: raw and gzipped bytes, with the largest and the median. Then
the time to draw the gallery page of every figure, median of several runs (the catalogue is
loaded beforehand; only the drawing is timed).

    .venv/bin/python benchmarks/figures.py [--runs 9] [--all]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from collections.abc import Callable

from backstretch.core.catalogue import Stretch
from backstretch.data import builtin_catalogue
from backstretch.render.figures import figure_svg, player_svg, still_svg
from backstretch.render.gallery import gallery_html

BUDGET_GZIPPED = 4096
DRAWINGS: dict[str, Callable[[Stretch], str]] = {
    "still": lambda stretch: still_svg(stretch),
    "player": lambda stretch: player_svg(stretch),
    "key pose": lambda stretch: figure_svg(stretch),
}


def sizes(svg: str) -> tuple[int, int]:
    """Return the raw and gzipped size in bytes."""
    raw = svg.encode("utf-8")
    return len(raw), len(gzip.compress(raw, compresslevel=9))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="gallery renderings to time")
    parser.add_argument("--all", action="store_true", help="also list every stretch's sizes")
    options = parser.parse_args()

    stretches = list(builtin_catalogue())
    measured = {
        kind: [(s.id, *sizes(draw(s))) for s in stretches] for kind, draw in DRAWINGS.items()
    }
    print(f"{len(stretches)} stretches; budget {BUDGET_GZIPPED} bytes gzipped per SVG")
    print(f"{'drawing':<10}{'raw max':>9}{'raw median':>12}{'gz max':>9}{'gz median':>11}  largest")
    for kind, rows in measured.items():
        raw = [r for _, r, _ in rows]
        zipped = [z for _, _, z in rows]
        largest = max(rows, key=lambda row: row[2])[0]
        print(
            f"{kind:<10}{max(raw):>9}{statistics.median(raw):>12.0f}"
            f"{max(zipped):>9}{statistics.median(zipped):>11.0f}  {largest}"
        )
    over = [(kind, i) for kind, rows in measured.items() for i, _, z in rows if z > BUDGET_GZIPPED]
    print(f"over budget: {over or 'none'}")
    if options.all:
        for (stretch_id, raw, zipped), (_, praw, pzipped) in zip(
            measured["still"], measured["player"], strict=True
        ):
            print(
                f"  {stretch_id:<28} still {raw:>5} / {zipped:>4}   player {praw:>5} / {pzipped:>4}"
            )

    gallery_html(stretches)  # warm-up, not timed
    timings = []
    for _ in range(options.runs):
        started = time.perf_counter()
        page = gallery_html(stretches)
        timings.append((time.perf_counter() - started) * 1000)
    raw, zipped = sizes(page)
    print(
        f"gallery of {len(stretches)} stretches: median {statistics.median(timings):.1f} ms "
        f"(min {min(timings):.1f}, max {max(timings):.1f}, {options.runs} runs); "
        f"page {raw} bytes, {zipped} gzipped"
    )


if __name__ == "__main__":
    main()
