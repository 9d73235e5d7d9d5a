"""Draw a stretch's figure as SVG text: pure, from the pose data to a string.

Three drawings from the same layout:

- `figure_svg`: one keyframe, named or chosen by the breath phase; a player asks for it as the
  timeline moves on (nothing in it moves by itself).
- `still_svg`: the key poses side by side, for the library, a stretch's page and handouts.
- `player_svg`: every keyframe in one SVG, one `<g data-phase="...">` group each. A browser
  player shows the group of the current breath by setting the class `phase-inhale`,
  `phase-exhale`, `phase-steady` or `phase-none` on the `<svg>`; with none of them, or for people
  who ask for reduced motion, only the key pose shows.

Each takes the way to draw (`way=`, the usual way when left out): a way without a figure of its
own is drawn from the stretch's, re-seated for its place (see `ways`).

Every SVG has a `<title>` and a `<desc>` saying what it shows. Numbers have at most one decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from backstretch.core.catalogue import Stretch, Way
from backstretch.core.poses import Figure, Keyframe, Phase
from backstretch.render.layout import (
    NAME_FONT_SIZE,
    Point,
    Scene,
    Shape,
    ShapeKind,
    Side,
    Tone,
    figure_of,
    layout,
    title_of,
)

SCALE = 2  # pixels per unit for the SVG's own size: the figure about 200 px tall
PANEL_GAP = 8
PLAYER_CLASS = "bs-figure"

PHASE_WORDS = {
    Phase.INHALE: "breathing in",
    Phase.EXHALE: "breathing out",
    Phase.STEADY: "holding, breathing slowly",
    Phase.NONE: "getting ready",
}


def chosen_keyframe(
    figure: Figure, pose: str | None = None, phase: Phase | str | None = None
) -> Keyframe:
    """Return the keyframe named `pose`, else the one shown during `phase`, else the key pose.

    Raises `KeyError` for a name the figure does not have, `ValueError` for an unknown phase.
    """
    if pose is not None:
        return figure.keyframe(pose)
    if phase is not None:
        return figure.for_phase(Phase(phase))
    return figure.key_frame


def describe(
    stretch: Stretch, side: Side | None = None, pose: str | None = None, way: Way | None = None
) -> str:
    """Return in words what the figure shows: one keyframe, or every keyframe in order."""
    figure = figure_of(stretch, way)
    title = title_of(stretch, side, way)
    if pose is not None or len(figure.keyframes) == 1:
        keyframe = figure.keyframe(pose) if pose else figure.keyframes[0]
        return f"{title}: {keyframe.shows}."
    steps = "; ".join(f"{PHASE_WORDS[k.phase]}, {k.shows}" for k in figure.keyframes)
    return f"{title}: {steps}."


def figure_svg(
    stretch: Stretch,
    *,
    side: Side | None = None,
    pose: str | None = None,
    phase: Phase | str | None = None,
    way: Way | None = None,
) -> str:
    """Return the SVG of one keyframe: named by `pose`, or shown during `phase`, or the key pose.

    `side` picks the side of a one-sided stretch (the other one is the mirror image); it makes no
    difference to a stretch done on both sides at once.
    """
    scene = layout(stretch, side, way)
    keyframe = chosen_keyframe(figure_of(stretch, way), pose, phase)
    frame = scene.frame(keyframe.name)
    body = _shapes_svg([*scene.props, *frame.shapes])
    desc = f"{scene.title}: {keyframe.shows}."
    return _svg(scene, stretch, width=scene.width, desc=desc, body=body)


def still_svg(
    stretch: Stretch, *, side: Side | None = None, key_only: bool = False, way: Way | None = None
) -> str:
    """Return a still drawing: every keyframe side by side, or only the key pose."""
    scene = layout(stretch, side, way)
    frames = [scene.frame(scene.key)] if key_only else list(scene.frames)
    panels = []
    for index, frame in enumerate(frames):
        drawing = _shapes_svg([*scene.props, *frame.shapes])
        offset = index * (scene.width + PANEL_GAP)
        panels.append(f'<g transform="translate({offset} 0)">{drawing}</g>' if offset else drawing)
    width = len(frames) * scene.width + (len(frames) - 1) * PANEL_GAP
    desc = describe(stretch, side, scene.key if key_only else None, way)
    return _svg(scene, stretch, width=width, desc=desc, body="".join(panels))


def player_css() -> str:
    """Return the CSS that shows the keyframe of the current breath phase (key pose otherwise)."""
    shown = ",".join(f".phase-{p} g[data-phase~={p}]" for p in Phase)
    no_phase = "".join(f":not(.phase-{p})" for p in Phase)
    return (
        f".{PLAYER_CLASS} g[data-phase]{{display:none}}"
        f".{PLAYER_CLASS}{no_phase} g.key,{shown}{{display:inline}}"
        "@media (prefers-reduced-motion:reduce){"
        f".{PLAYER_CLASS} g[data-phase]{{display:none!important}}"
        f".{PLAYER_CLASS} g.key{{display:inline!important}}}}"
    )


def player_svg(
    stretch: Stretch,
    *,
    side: Side | None = None,
    inline_style: bool = True,
    way: Way | None = None,
) -> str:
    """Return every keyframe in one SVG, one `<g data-phase="...">` group each.

    The group of a keyframe lists every breath phase that shows it (a hold shows its stretch pose
    while steady). The player sets the class `phase-<breath>` on the `<svg>`, which carries the
    class `bs-figure`. The props and the floor stay put outside the groups. A page under a
    Content Security Policy without inline styles passes `inline_style=False` and links
    `player_css()` as a stylesheet instead.
    """
    scene = layout(stretch, side, way)
    groups = []
    for frame in scene.frames:
        phases = " ".join(phase.value for phase in frame.phases)
        key = ' class="key"' if frame.keyframe.name == scene.key else ""
        groups.append(
            f'<g data-phase="{phases}" data-pose="{frame.keyframe.name}"{key}>'
            f"{_shapes_svg(frame.shapes)}</g>"
        )
    return _svg(
        scene,
        stretch,
        width=scene.width,
        desc=describe(stretch, side, way=way),
        body=_shapes_svg(scene.props) + "".join(groups),
        style=f"<style>{player_css()}</style>" if inline_style else "",
        root_class=PLAYER_CLASS,
    )


# --- SVG text --------------------------------------------------------------------------------


def _svg(
    scene: Scene,
    stretch: Stretch,
    *,
    width: int,
    desc: str,
    body: str,
    style: str = "",
    root_class: str = "",
) -> str:
    name = ""
    if scene.plain:  # a figure of its own speaks for itself; a placeholder says whose it is
        name = (
            f'<text x="{_num(scene.width / 2)}" y="9" font-family="sans-serif" '
            f'font-size="{NAME_FONT_SIZE}" text-anchor="middle" fill="{Tone.NEAR}">'
            f"{escape(stretch.name)}</text>"
        )
    classes = f' class="{root_class}"' if root_class else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {scene.height}" '
        f'width="{width * SCALE}" height="{scene.height * SCALE}" role="img"{classes}>'
        f"<title>{escape(scene.title)}</title><desc>{escape(desc)}</desc>{style}"
        '<g fill="none" stroke-linecap="round" stroke-linejoin="round">'
        f"{body}</g>{name}</svg>"
    )


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _xy(point: Point) -> str:
    return f"{_num(point[0])} {_num(point[1])}"


def _path_data(shape: Shape) -> str:
    first, *rest = shape.points
    if shape.kind is ShapeKind.CURVE:
        # The control point that makes the curve pass through the middle point (the waist).
        (mx, my), (lx, ly) = rest
        control = (2 * mx - (first[0] + lx) / 2, 2 * my - (first[1] + ly) / 2)
        return f"M{_xy(first)}Q{_xy(control)} {_xy((lx, ly))}"
    return f"M{_xy(first)}" + "".join(f"L{_xy(point)}" for point in rest)


def _shapes_svg(shapes: Sequence[Shape]) -> str:
    """Return the shapes as SVG, joining neighbouring strokes of one style into one path."""
    parts: list[str] = []
    run: list[Shape] = []

    def flush() -> None:
        if run:
            data = "".join(_path_data(shape) for shape in run)
            style = f'stroke="{run[0].tone}" stroke-width="{_num(run[0].size)}"'
            parts.append(f'<path {style} d="{data}"/>')
            run.clear()

    for shape in shapes:
        if shape.kind in (ShapeKind.LINE, ShapeKind.CURVE):
            if run and (run[0].tone, run[0].size) != (shape.tone, shape.size):
                flush()
            run.append(shape)
            continue
        flush()
        if shape.kind is ShapeKind.DISC:
            (x, y), r = shape.points[0], _num(shape.size)
            parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{r}" fill="{shape.tone}"/>')
        else:
            (x0, y0), (x1, y1) = shape.points
            box = f'x="{_num(min(x0, x1))}" y="{_num(min(y0, y1))}" '
            box += f'width="{_num(abs(x1 - x0))}" height="{_num(abs(y1 - y0))}"'
            parts.append(f'<rect {box} rx="{_num(shape.size)}" fill="{shape.tone}"/>')
    flush()
    return "".join(parts)
