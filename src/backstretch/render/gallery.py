"""One HTML page showing every figure, so a person can review them all at once."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from backstretch.core.catalogue import Stretch, Way
from backstretch.render.figures import PHASE_WORDS, figure_svg
from backstretch.render.layout import Side, figure_of, is_one_sided, shown_side
from backstretch.render.ways import drawn_from

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2a33;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}
.gallery{display:flex;flex-direction:column;gap:.8rem}
.stretch{border:1px solid #dfe6ea;border-radius:.5rem;padding:.6rem .8rem}
.stretch h2{font-size:1.05rem;margin:0}
.way{border-top:1px solid #eef2f4;margin-top:.4rem;padding-top:.3rem}
.way h3{font-size:.95rem;margin:0}
.meta{color:#5b6b77;font-size:.85rem;margin:.1rem 0 .4rem}
.poses{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}
figure{margin:0}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.8rem;color:#3c4b56;text-align:center}
"""


def _pose_figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def way_panel(stretch: Stretch, way: Way) -> str:
    """Return one way's panel: its words, position and view, and its poses side by side."""
    figure = figure_of(stretch, way)
    side = shown_side(stretch, None, way)
    poses = []
    for keyframe in figure.keyframes:
        caption = f"{keyframe.name} · {PHASE_WORDS[keyframe.phase]}"
        if side:
            caption = f"{side} side, {caption}"
        poses.append(_pose_figure(figure_svg(stretch, pose=keyframe.name, way=way), caption))
    if is_one_sided(stretch):
        other: Side = "left" if side == "right" else "right"
        key = figure.key_frame.name
        svg = figure_svg(stretch, side=other, pose=key, way=way)
        poses.append(_pose_figure(svg, f"{other} side, {key} (mirrored)"))
    source = drawn_from(stretch, way)
    if source is None:
        note = " · no figure of its own yet"
    elif source != way:
        note = f" · drawn from the figure {source.words}"
    else:
        note = ""
    position, view = (value.replace("_", " ") for value in (way.position.value, figure.view.value))
    meta = f"{position} · {view} view{note}"
    return (
        f'<div class="way" data-way="{escape(way.place.value)}">'
        f"<h3>{escape(way.words.capitalize())}</h3>"
        f'<p class="meta">{escape(meta)}</p>'
        f'<div class="poses">{"".join(poses)}</div></div>'
    )


def stretch_section(stretch: Stretch) -> str:
    """Return one stretch's entry: its name and id, then a panel for each way of doing it."""
    ways = "".join(way_panel(stretch, way) for way in stretch.ways)
    return (
        f'<section class="stretch" id="{escape(stretch.id)}" data-stretch="{escape(stretch.id)}">'
        f"<h2>{escape(stretch.name)}</h2>"
        f'<p class="meta">{escape(stretch.id)}</p>{ways}</section>'
    )


def gallery_html(stretches: Sequence[Stretch], title: str = "backstretch: every figure") -> str:
    """Return a complete HTML page showing every way of every stretch, with its words and poses."""
    sections = "".join(stretch_section(stretch) for stretch in stretches)
    count = len(stretches)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>{count} stretch{'es' if count != 1 else ''}: every way of doing each, with each key "
        "pose in order, and for a one-sided stretch its other side, drawn as the mirror image.</p>"
        f'<main class="gallery">{sections}</main></body></html>\n'
    )
