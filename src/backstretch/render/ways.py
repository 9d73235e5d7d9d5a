"""Draw every way of a stretch: a way without keyframes of its own borrows the stretch's figure,
re-seated for its place.

A built-in stretch poses its figure once, for its usual way. Writing the same angles again for a
bed, the edge of a bed or standing would copy them by hand and let the copies drift apart, so the
other ways are derived here: lying on a bed is lying on a mat drawn on a bed; sitting on the edge
of a bed is sitting on a chair without the backrest; standing is sitting with the legs straight
and the chair taken away. The words each keyframe `shows` are the drawing's description for
people who cannot see it, so they are re-seated with the pose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from backstretch.core.body import PELVIS_TO_WAIST, joint_positions
from backstretch.core.catalogue import Stretch, Way
from backstretch.core.models import Place, place_of
from backstretch.core.poses import Angles, Figure, Keyframe, Prop, PropKind, plain_figure

# Standing, the feet sit a little apart, as in the standing figures of the catalogue.
STANDING_HIP_OUT = 4
# An arm that hangs loose by the side: the elbow a touch soft, the arm just clear of the hip
# (or as far out as it hung already, when that is only a little).
HANGING_ARM = {"shoulder": 0, "shoulder_turn": 0, "elbow": 8, "wrist": 0}
HANGING_OUT = (4, 15)
_HIP_RANGE = (-45, 170)
_LEG_JOINTS = ("hip", "hip_out", "hip_turn", "knee", "ankle")
_SIDES = ("right", "left")

# Patterns and their replacements, applied to a keyframe's words in order.
Rewording = Sequence[tuple[str, str]]

_ONTO_BED: Rewording = (
    (r"\bthe floor\b", "the bed"),
    (r"\b(?:a|the) mat\b", "a bed"),
)
_ONTO_BED_EDGE: Rewording = (
    (r"\b(?:near the front of|back in|in|on) a chair\b", "on the edge of a bed"),
    (r"\bthe seat\b", "the bed"),
    (r"\b(?:a|the) chair\b", "the bed"),
)
_STANDING: Rewording = (
    # "sitting tall near the front of a chair" → "standing tall"; never across a comma.
    (r"\bsitting( tall)?(?: \w+)*? (?:on|in|of) a chair\b", r"standing\1"),
    (r"\bsitting\b", "standing"),
    (r"\bhands (?:resting )?on the thighs\b", "arms by the sides"),
    (r"\bone hand (?:resting )?on the (?:seat|thigh)\b", "one arm by the side"),
)


def figure_for(stretch: Stretch, way: Way) -> Figure:
    """Return how to draw a way: its own figure, else the stretch's re-seated for its place."""
    if way.figure is not None:
        return way.figure
    source = drawn_from(stretch, way)
    derived = None
    if source is not None and source.figure is not None:
        derived = reseated(source.figure, source.place, way.place)
    if derived is not None:
        return derived
    plain = plain_figure(way.position)
    return reseated(plain, place_of(way.position), way.place) or plain


def drawn_from(stretch: Stretch, way: Way) -> Way | None:
    """Return the way whose figure draws `way`, or None when it is drawn as a plain placeholder.

    A way is drawn from its own figure, else from the stretch's figure when that can be re-seated
    for the way's place (a person's own stretch brings no figure at all).
    """
    if way.figure is not None:
        return way
    source = next((w for w in stretch.ways if w.figure is not None), None)
    if source is None:
        return None
    moves = source.place is way.place or (source.place, way.place) in _RESEATS
    return source if moves else None


def reseated(figure: Figure, source: Place, target: Place) -> Figure | None:
    """Return a figure drawn at `source` moved to `target`, or None when no rule moves it there."""
    if source is target:
        return figure
    reseat = _RESEATS.get((source, target))
    return reseat(figure) if reseat is not None else None


def _onto_bed(figure: Figure) -> Figure:
    """Return a figure on a mat on the floor lying, kneeling or sitting on a bed instead."""
    props = tuple(Prop(kind=PropKind.BED) if p.kind is PropKind.MAT else p for p in figure.props)
    if not any(p.kind is PropKind.BED for p in props):
        props = (Prop(kind=PropKind.BED), *props)
    return _with(figure, props, _ONTO_BED)


def _onto_bed_edge(figure: Figure) -> Figure:
    """Return a figure sitting on a chair sitting on the edge of a bed instead: no backrest."""
    props = tuple(Prop(kind=PropKind.BED, at="pelvis") if _sat_on(p) else p for p in figure.props)
    return _with(figure, props, _ONTO_BED_EDGE)


def _standing(figure: Figure) -> Figure:
    """Return a figure sitting on a chair standing instead: the chair gone, the legs straight."""
    props = tuple(p for p in figure.props if not _sat_on(p))
    return _with(figure, props, _STANDING, _stood_up)


def _sat_on(prop: Prop) -> bool:
    return prop.kind is PropKind.CHAIR and prop.at in (None, "pelvis")


def _stood_up(angles: Angles) -> Angles:
    """Return sitting angles with straight legs, and the arms that rested low hanging instead."""
    given = angles.model_dump()
    kept = {
        name: value
        for name, value in given.items()
        if name.removeprefix("right_").removeprefix("left_") not in _LEG_JOINTS
    }
    # The thighs come down under the pelvis, however far the trunk leans, so a sitter who leans
    # back stands leaning back from straight legs.
    lean = angles.lean or 0
    hip = max(_HIP_RANGE[0], min(_HIP_RANGE[1], lean))
    kept |= {"hip_out": STANDING_HIP_OUT} | ({"hip": hip} if hip else {})
    points = joint_positions(angles.pose())  # the pelvis at the origin
    for side in _SIDES:
        # A hand below the waist rests on a thigh or the seat, or hangs: standing, it hangs.
        if points[f"{side}_hand"][1] < PELVIS_TO_WAIST:
            out = getattr(angles, f"{side}_shoulder_out")
            out = angles.shoulder_out if out is None else out
            out = max(HANGING_OUT[0], min(HANGING_OUT[1], out or 0))
            kept |= {f"{side}_{joint}": value for joint, value in HANGING_ARM.items()}
            kept[f"{side}_shoulder_out"] = out
    return Angles(**kept)


def _with(
    figure: Figure,
    props: tuple[Prop, ...],
    rewording: Rewording,
    angles: Callable[[Angles], Angles] | None = None,
) -> Figure:
    keyframes = tuple(
        Keyframe(
            name=frame.name,
            phase=frame.phase,
            shows=_reworded(frame.shows, rewording),
            angles=angles(frame.angles) if angles else frame.angles,
        )
        for frame in figure.keyframes
    )
    return figure.model_copy(update={"props": props, "keyframes": keyframes})


def _reworded(text: str, rewording: Rewording) -> str:
    for pattern, replacement in rewording:
        text = re.sub(pattern, replacement, text)
    return text


_RESEATS: Mapping[tuple[Place, Place], Callable[[Figure], Figure]] = {
    (Place.FLOOR, Place.BED): _onto_bed,
    (Place.CHAIR, Place.BED_EDGE): _onto_bed_edge,
    (Place.CHAIR, Place.STANDING): _standing,
}
