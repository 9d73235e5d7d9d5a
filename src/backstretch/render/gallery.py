"""One HTML page showing every figure, so a person can review them all at once."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from backstretch.core.catalogue import Stretch
from backstretch.render.figures import PHASE_WORDS, figure_svg
from backstretch.render.layout import Side, figure_of, is_one_sided, shown_side

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2a33;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}
.gallery{display:flex;flex-direction:column;gap:.8rem}
.stretch{border:1px solid #dfe6ea;border-radius:.5rem;padding:.6rem .8rem}
.stretch h2{font-size:1.05rem;margin:0}
.meta{color:#5b6b77;font-size:.85rem;margin:.1rem 0 .4rem}
.poses{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}
figure{margin:0}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.8rem;color:#3c4b56;text-align:center}
"""


def _pose_figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def stretch_section(stretch: Stretch) -> str:
    """Return one stretch's entry: its name, position and view, and its poses side by side."""
    figure = figure_of(stretch)
    side = shown_side(stretch, None)
    poses = []
    for keyframe in figure.keyframes:
        caption = f"{keyframe.name} · {PHASE_WORDS[keyframe.phase]}"
        if side:
            caption = f"{side} side, {caption}"
        poses.append(_pose_figure(figure_svg(stretch, pose=keyframe.name), caption))
    if is_one_sided(stretch):
        other: Side = "left" if side == "right" else "right"
        key = figure.key_frame.name
        svg = figure_svg(stretch, side=other, pose=key)
        poses.append(_pose_figure(svg, f"{other} side, {key} (mirrored)"))
    note = " · no figure of its own yet" if stretch.figure is None else ""
    meta = f"{stretch.position.value.replace('_', ' ')} · {figure.view} view · {stretch.id}{note}"
    return (
        f'<section class="stretch" id="{escape(stretch.id)}" data-stretch="{escape(stretch.id)}">'
        f"<h2>{escape(stretch.name)}</h2>"
        f'<p class="meta">{escape(meta)}</p>'
        f'<div class="poses">{"".join(poses)}</div></section>'
    )


def gallery_html(stretches: Sequence[Stretch], title: str = "backstretch: every figure") -> str:
    """Return a complete HTML page showing every stretch's figure with its name and position."""
    sections = "".join(stretch_section(stretch) for stretch in stretches)
    count = len(stretches)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>{count} stretch{'es' if count != 1 else ''}: each key pose in order, and for a "
        "one-sided stretch its other side, drawn as the mirror image.</p>"
        f'<main class="gallery">{sections}</main></body></html>\n'
    )
