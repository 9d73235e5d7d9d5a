"""How big the figures are, and how long the whole gallery takes to draw.

For every stretch, the still (key poses side by side), the player's SVG (every keyframe, one
group each) and the single key pose: raw and gzipped bytes, with the largest and the median. Then
the time to draw the gallery page of every figure, median of several runs (the catalogue is
loaded beforehand; only the drawing is timed).

    .venv/bin/python benchmarks/figures.py [--runs 9] [--all]

`--shots DIR` also saves, per stretch, every way's keyframes as the player shows them on a
390×844 phone (each in a box 358 px wide and at most 26vh tall) to DIR/<prefix>-<id>.png, in
the system's Chromium (never a downloaded one), for a person to look at.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

from backstretch.core.catalogue import Stretch
from backstretch.data import builtin_catalogue
from backstretch.render.figures import figure_svg, player_svg, still_svg
from backstretch.render.gallery import gallery_html
from backstretch.render.layout import figure_of

CHROMIUM = "/usr/bin/chromium"
# The player's stage on a phone (player.css): the page's 1 rem margins, the figure at most 26vh.
PHONE_CSS = (
    "body{margin:0;padding:0 16px;font:14px system-ui;background:#fdfdfb}"
    "h2{font-size:13px;margin:6px 0 2px}.figure{outline:1px dashed #f99;margin:0 0 4px}"
    ".figure svg{display:block;width:100%;height:auto;max-height:26vh}"
)

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


def phone_page(stretch: Stretch) -> str:
    """Return a page with every way's keyframes of a stretch, each in the player's phone box."""
    parts = []
    for way in stretch.ways:
        for keyframe in figure_of(stretch, way).keyframes:
            svg = figure_svg(stretch, pose=keyframe.name, way=way)
            label = escape(f"{stretch.id} · {way.place.value} · {keyframe.name}")
            parts.append(f'<h2>{label}</h2><div class="figure">{svg}</div>')
    return f"<!doctype html><style>{PHONE_CSS}</style><body>{''.join(parts)}</body>"


def save_shots(stretches: list[Stretch], folder: Path, prefix: str) -> int:
    """Save one phone-sized screenshot per stretch; return how many."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        for stretch in stretches:
            page.set_content(phone_page(stretch))
            page.screenshot(path=str(folder / f"{prefix}-{stretch.id}.png"), full_page=True)
        browser.close()
    return len(stretches)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="gallery renderings to time")
    parser.add_argument("--all", action="store_true", help="also list every stretch's sizes")
    parser.add_argument("--shots", type=Path, help="save phone-sized screenshots to this folder")
    parser.add_argument("--prefix", default="after", help="the screenshots' file name prefix")
    options = parser.parse_args()

    stretches = list(builtin_catalogue())
    if options.shots:
        count = save_shots(stretches, options.shots, options.prefix)
        print(f"saved {count} screenshots to {options.shots}")
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
