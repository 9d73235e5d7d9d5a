"""Lay a figure out: pose each keyframe, rest it on the floor, a bed or a seat, see it from the
chosen side, and place the props, in one panel shared by every keyframe.

A body lying, kneeling or sitting low rests on `y = 0`: the floor, or the top of the mat or the
mattress under it, which are drawn below that line with the floor line under them. A seated body
keeps its feet on the floor at `y = 0`, with the chair seat or the bed's edge at seat height.

Coordinates here are the picture's: x to the right, y down, one unit per hundredth of the
figure's height, rounded to one decimal. The other side of a one-sided stretch is the exact
mirror image: x becomes the panel's width minus x.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from backstretch.core.body import (
    ARM_POINTS,
    HEAD_RADIUS,
    LEG_POINTS,
    LIMB_WIDTH,
    NOSE_WIDTH,
    SEAT_HEIGHT,
    SIDES,
    TRUNK_WIDTH,
    Vec,
    joint_positions,
    on_floor,
    on_seat,
    radius,
)
from backstretch.core.catalogue import Stretch, Way
from backstretch.core.models import Position, Sides
from backstretch.core.poses import (
    ChairBack,
    Figure,
    Keyframe,
    Phase,
    Prop,
    PropKind,
    View,
)
from backstretch.render.ways import drawn_from, figure_for

Side = Literal["left", "right"]
Point = tuple[float, float]

MARGIN = 4.0
NAME_ROOM = 10.0  # above a placeholder, for the stretch's name
NAME_FONT_SIZE = 7
MAT_THICKNESS = 2.5
# A bed is as high as a chair seat, so a person on its edge sits with the feet flat on the floor.
BED_HEIGHT = SEAT_HEIGHT
MATTRESS_THICKNESS = 9.0
BED_BASE_THICKNESS = 5.0
BED_BEHIND = 34.0  # how far a bed sat on at its edge reaches behind the pelvis (a part of it)
BED_FRONT = 13.0  # and in front of it, to just short of the knees
BED_HALF_WIDTH = 34.0  # half its length, sat on at its edge and seen from the front
HEADBOARD_RISE = 12.0  # above the mattress
HEADBOARD_WIDTH = 4.0
CHAIR_BACK_HEIGHT = 22.0
LYING = frozenset({Position.SUPINE, Position.PRONE, Position.SIDE_LYING})
ARM_WIDTH = 4.5
HALO_WIDTH = 2.4  # the white edge around a near limb
PROP_WIDTH = 2.4
# A point within this of a surface (its own stroke aside) counts as resting on it.
CONTACT_TOLERANCE = 1.5
# A limb moves when a joint of it turns this far between keyframes and a point of it travels this
# far in the picture: a hand resting on a thigh that tips forward with the trunk does not count.
MOVING_DEGREES = 25.0
MOVING_DISTANCE = 8.0
# Degrees the camera is turned from the figure's right side toward its front: a little for the
# side view, so the far arm and leg peek out; halfway for twists and arms reaching across.
CAMERA_TURN = {View.SIDE: 14.0, View.THREE_QUARTER: 40.0}


class Tone(StrEnum):
    """The colour of a shape."""

    NEAR = "#2d3a45"  # the body, and the limbs on the viewer's side
    FAR = "#95a3ad"  # limbs behind the body
    MOVES = "#0a7d5a"  # a limb that moves from one keyframe to the next, on the viewer's side
    MOVES_FAR = "#7fc2a7"  # and behind the body: lighter, but still the colour of moving
    HALO = "#fff"  # the edge that lifts a near limb off the body, and the face's spot
    PLAIN = "#b4bec5"  # a placeholder figure
    PROP = "#c3ccd3"
    MAT = "#dfe6ea"
    FLOOR = "#8f9ca5"


class ShapeKind(StrEnum):
    """How a shape's points are drawn."""

    LINE = "line"  # a polyline through the points; size is the stroke width
    CURVE = "curve"  # a smooth curve from the first point through the second to the third
    RECT = "rect"  # a filled box between two corners; size is the corner radius
    DISC = "disc"  # a filled circle at the point; size is the radius


@dataclass(frozen=True)
class Shape:
    """One drawn element, in picture coordinates."""

    kind: ShapeKind
    points: tuple[Point, ...]
    size: float
    tone: Tone
    depth: float = 0.0  # toward the viewer; shapes are drawn from the farthest

    @property
    def reach(self) -> float:
        """Return how far the drawing goes past the shape's points."""
        if self.kind in (ShapeKind.LINE, ShapeKind.CURVE):
            return self.size / 2
        return self.size if self.kind is ShapeKind.DISC else 0.0


@dataclass(frozen=True)
class Frame:
    """One keyframe laid out: its body in space and its drawing in the panel."""

    keyframe: Keyframe
    phases: tuple[Phase, ...]  # every breath phase that shows this keyframe
    body: Mapping[str, Vec]  # resting on y = 0 (the floor, a mat, a bed) or a seat; never mirrored
    points: Mapping[str, Point]  # the same points in the panel
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Scene:
    """Every keyframe of a figure in one panel, with the props and the floor they share."""

    title: str
    width: int
    height: int
    floor_y: float | None  # the surface the body rests on (y = 0); None seen from above
    frames: tuple[Frame, ...]
    props: tuple[Shape, ...]
    key: str
    plain: bool  # a placeholder: the stretch brings no figure of its own
    moving: frozenset[str] = frozenset()  # the limbs drawn in the moving colour, e.g. "right_leg"

    def frame(self, name: str) -> Frame:
        """Return the laid-out keyframe with this name, or raise `KeyError`."""
        for frame in self.frames:
            if frame.keyframe.name == name:
                return frame
        raise KeyError(name)


def figure_of(stretch: Stretch, way: Way | None = None) -> Figure:
    """Return the figure of a way (the usual one by default), or a plain resting figure."""
    return figure_for(stretch, way or stretch.usual_way)


def is_one_sided(stretch: Stretch) -> bool:
    """Tell whether the stretch is done on one side at a time."""
    return stretch.dose.sides is not Sides.BILATERAL


def shown_side(stretch: Stretch, side: Side | None, way: Way | None = None) -> Side | None:
    """Return the side a drawing shows (by default the one the keyframes show), or None for a
    stretch done on both sides at once."""
    if not is_one_sided(stretch):
        return None
    return side or figure_of(stretch, way).side


def title_of(stretch: Stretch, side: Side | None = None, way: Way | None = None) -> str:
    """Return what a drawing is called: the stretch's name, and the side for a one-sided one."""
    shown = shown_side(stretch, side, way)
    return f"{stretch.name}, {shown} side" if shown else stretch.name


def touches(body: Mapping[str, Vec], point: str, height: float = 0.0) -> bool:
    """Tell whether a point of a placed body rests on a surface at `height` (the floor is 0)."""
    return body[point][1] - radius(point) - height <= CONTACT_TOLERANCE


def rest(position: Position, keyframe: Keyframe) -> dict[str, Vec]:
    """Return a keyframe's body resting where the position puts it: on a seat (a chair or the
    edge of a bed), or on `y = 0` (the floor, or the top of a mat or a bed drawn below it)."""
    body = joint_positions(keyframe.angles.pose())
    return on_seat(body) if position is Position.CHAIR else on_floor(body)


def layout(stretch: Stretch, side: Side | None = None, way: Way | None = None) -> Scene:
    """Lay out every keyframe of a way (the usual one by default) in one panel, mirrored for the
    other side."""
    way = way or stretch.usual_way
    figure = figure_for(stretch, way)
    plain = drawn_from(stretch, way) is None
    bodies = [rest(way.position, keyframe) for keyframe in figure.keyframes]
    seen = [_seen(figure.view, way.position, body, figure.seen_from) for body in bodies]
    moving: frozenset[str] = frozenset()
    if not plain:
        given = figure.moves
        moving = moving_limbs(figure, [p for p, _ in seen]) if given is None else frozenset(given)
    drawings = [_body_shapes(points, depth, plain, moving) for points, depth in seen]
    key_points = seen[[k.name for k in figure.keyframes].index(figure.key_frame.name)][0]
    every = [p for points, _ in seen for p in points.values()]
    props = _props(figure, way.position, key_points, every)
    everything = [shape for shapes in drawings for shape in shapes] + props
    left = min(x - s.reach for s in everything for x, _ in s.points)
    right = max(x + s.reach for s in everything for x, _ in s.points)
    top = min(y - s.reach for s in everything for _, y in s.points) - (NAME_ROOM if plain else 0)
    bottom = max(y + s.reach for s in everything for _, y in s.points)
    width = math.ceil(right - left + 2 * MARGIN)
    if plain:
        width = max(width, math.ceil(len(stretch.name) * NAME_FONT_SIZE * 0.6 + 2 * MARGIN))
    dx, dy = (width - (right - left)) / 2 - left, MARGIN - top
    side = shown_side(stretch, side, way)
    mirrored = side is not None and side != figure.side

    def place(point: Point) -> Point:
        x, y = round(point[0] + dx, 1), round(point[1] + dy, 1)
        return (round(width - x, 1) if mirrored else x, y)

    def placed(shapes: Iterable[Shape]) -> tuple[Shape, ...]:
        return tuple(replace(s, points=tuple(place(p) for p in s.points)) for s in shapes)

    frames = tuple(
        Frame(
            keyframe=keyframe,
            phases=figure.phases_of(keyframe),
            body=body,
            points={name: place(point) for name, point in points.items()},
            shapes=placed(shapes),
        )
        for keyframe, body, (points, _), shapes in zip(
            figure.keyframes, bodies, seen, drawings, strict=True
        )
    )
    return Scene(
        title=title_of(stretch, side, way),
        width=width,
        height=math.ceil(bottom - top + 2 * MARGIN),
        floor_y=None if figure.view is View.ABOVE else round(dy, 1),
        frames=frames,
        props=placed(props),
        key=figure.key_frame.name,
        plain=plain,
        moving=moving,
    )


LIMBS = {"arm": ARM_POINTS, "leg": LEG_POINTS}
_LIMB_JOINTS = {"arm": ("shoulder", "out", "turn", "elbow"), "leg": ("hip", "out", "turn", "knee")}


def moving_limbs(figure: Figure, pictures: Sequence[Mapping[str, Point]]) -> frozenset[str]:
    """Return the limbs that do the moving, e.g. {"right_leg", "left_arm"}: a joint of the limb
    turns at least `MOVING_DEGREES` between two keyframes and a point of it travels at least
    `MOVING_DISTANCE` in the picture (`pictures`: each keyframe's points, in order)."""
    poses = [keyframe.angles.pose() for keyframe in figure.keyframes]
    found = set()
    for side in SIDES:
        for kind, parts in LIMBS.items():
            limbs = [getattr(pose, f"{side}_{kind}") for pose in poses]
            turned = max(
                abs(getattr(a, joint) - getattr(b, joint))
                for a in limbs
                for b in limbs
                for joint in _LIMB_JOINTS[kind]
            )
            names = [f"{side}_{part}" for part in parts[1:]]
            travelled = max(
                (math.dist(a[name], b[name]) for a in pictures for b in pictures for name in names),
                default=0.0,
            )
            if turned >= MOVING_DEGREES and travelled >= MOVING_DISTANCE:
                found.add(f"{side}_{kind}")
    return frozenset(found)


def _project(point: Vec, view: View, seen_from: Side = "right") -> tuple[Point, float]:
    """Return where a point of the body appears in the picture, and its depth toward us.

    Seen from the left, the picture is the mirror image of the body's mirror image seen from the
    right: the body faces left and its left side is the near one.
    """
    x, y, z = point
    if seen_from == "left" and view in CAMERA_TURN:
        (px, py), depth = _project((x, y, -z), view)
        return (-px, py), depth
    if view is View.FRONT:
        return (-z, -y), x  # the body's right side is on the viewer's left
    if view is View.ABOVE:
        return (x, z), y  # lying on the left side, the front of the body faces up the page
    turn = math.radians(CAMERA_TURN[view])
    return (x * math.cos(turn) - z * math.sin(turn), -y), z * math.cos(turn) + x * math.sin(turn)


def _anchor(position: Position, body: Mapping[str, Vec]) -> list[str]:
    """Return the points that stay put from one keyframe to the next, so the figure never slides:
    the feet or knees on the floor, the shoulders lying on the back, or else the pelvis."""
    if position is Position.SUPINE:
        return ["neck"]  # the shoulders stay down, even when the hips lift into a bridge
    if position is Position.STANDING:
        names = ["right_ankle", "left_ankle"]
    elif position in (Position.KNEELING, Position.ALL_FOURS):
        names = ["right_knee", "left_knee"]
    else:
        return ["pelvis"]
    return [name for name in names if touches(body, name)] or names


def _seen(
    view: View, position: Position, body: Mapping[str, Vec], seen_from: Side = "right"
) -> tuple[dict[str, Point], dict[str, float]]:
    projected = {name: _project(point, view, seen_from) for name, point in body.items()}
    # Anchor on how far forward the resting points are, not on which side they are: with one
    # knee lifted, the other must stay exactly where both knees were.
    anchor = _anchor(position, body)
    forward = sum(body[name][0] for name in anchor) / len(anchor)
    shift = _project((forward, 0.0, 0.0), view, seen_from)[0][0]
    points = {name: (x - shift, y) for name, ((x, y), _) in projected.items()}
    depth = {name: d for name, (_, d) in projected.items()}
    return points, depth


def _body_shapes(
    points: dict[str, Point],
    depth: dict[str, float],
    plain: bool,
    moving: frozenset[str] = frozenset(),
) -> list[Shape]:
    """Return the body's strokes, farthest first; the moving limbs in the moving colour."""
    body_tone = Tone.PLAIN if plain else Tone.NEAR

    def stroke(names: Sequence[str], width: float, limb: str = "") -> Shape:
        kind = ShapeKind.CURVE if names[1] == "waist" else ShapeKind.LINE
        mean = sum(depth[n] for n in names) / len(names)
        tone = body_tone
        if limb and not plain:
            # A limb behind the body where it joins it (the far side from the side) is lighter.
            joined_at = "pelvis" if names[0].endswith("hip") else "neck"
            far = mean < depth[joined_at] - 4
            if limb in moving:
                tone = Tone.MOVES_FAR if far else Tone.MOVES
            else:
                tone = Tone.FAR if far else Tone.NEAR
        # At the same depth the trunk is drawn before the limbs.
        order = mean if limb else mean - 0.5
        return Shape(kind, tuple(points[n] for n in names), width, tone, order)

    shapes = [
        stroke(("pelvis", "waist", "neck"), TRUNK_WIDTH),
        stroke(("neck", "head"), LIMB_WIDTH),
    ]
    # Seen from the side the shoulders and hips are nearly a dot: drawn only when they show.
    if math.dist(points["left_shoulder"], points["right_shoulder"]) > 8:
        shapes.append(stroke(("left_shoulder", "neck", "right_shoulder"), LIMB_WIDTH))
    if math.dist(points["left_hip"], points["right_hip"]) > 8:
        shapes.append(stroke(("left_hip", "right_hip"), LIMB_WIDTH))
    for side in SIDES:
        for kind, parts, width in (("arm", ARM_POINTS, ARM_WIDTH), ("leg", LEG_POINTS, LIMB_WIDTH)):
            limb = stroke([f"{side}_{part}" for part in parts], width, limb=f"{side}_{kind}")
            if limb.tone in (Tone.NEAR, Tone.MOVES):
                # A thin white edge keeps a near limb readable where it crosses the body.
                edge = replace(limb, size=width + HALO_WIDTH, tone=Tone.HALO)
                shapes.append(replace(edge, depth=limb.depth - 0.01))
            shapes.append(limb)
    head, nose = points["head"], points["nose"]
    head_depth = depth["head"] - 0.25
    shapes.append(Shape(ShapeKind.DISC, (head,), HEAD_RADIUS, body_tone, head_depth))
    along = (head[0] + (nose[0] - head[0]) * 0.7, head[1] + (nose[1] - head[1]) * 0.7)
    if math.dist(head, nose) > HEAD_RADIUS + 1:
        # Seen from the side, a small nose shows where the face points.
        shapes.append(Shape(ShapeKind.LINE, (along, nose), NOSE_WIDTH, body_tone, head_depth))
    elif depth["nose"] > depth["head"]:
        # Facing the viewer, a light spot on the face shows where it looks: ahead, down, aside.
        shapes.append(Shape(ShapeKind.DISC, (along,), 1.4, Tone.HALO, head_depth + 0.01))
    return sorted(shapes, key=lambda shape: shape.depth)


def _props(
    figure: Figure, position: Position, key: dict[str, Point], every: list[Point]
) -> list[Shape]:
    """Return the props and the floor: placed around the key pose, the same in every keyframe."""
    low_x, high_x = min(x for x, _ in every) - 8, max(x for x, _ in every) + 8
    from_above = figure.view is View.ABOVE
    shapes: list[Shape] = []
    for prop in figure.props:
        shapes += _prop(prop, figure.view, key, (low_x, high_x), every, position)
    if not from_above:
        ground = max((_height(prop) for prop in figure.props), default=0.0)
        # The floor reaches under every prop as well (a bed may reach far behind its sitter).
        left = min([low_x, *(x for shape in shapes for x, _ in shape.points)])
        right = max([high_x, *(x for shape in shapes for x, _ in shape.points)])
        floor = ((left - 6, ground), (right + 6, ground))
        shapes.append(Shape(ShapeKind.LINE, floor, 1.2, Tone.FLOOR, -100))
    return shapes


def _height(prop: Prop) -> float:
    """Return how far below the body's resting line a prop puts the floor."""
    if prop.kind is PropKind.MAT:
        return MAT_THICKNESS
    if prop.kind is PropKind.BED and prop.at is None:
        return BED_HEIGHT
    return 0.0


def _prop(
    prop: Prop,
    view: View,
    key: dict[str, Point],
    span: tuple[float, float],
    every: list[Point],
    position: Position,
) -> list[Shape]:
    low_x, high_x = span
    at = prop.at or "pelvis"
    if prop.kind is PropKind.MAT:
        if view is View.ABOVE:  # seen from the ceiling, the mat is the area the body lies on
            top, bottom = min(y for _, y in every) - 8, max(y for _, y in every) + 8
            return [Shape(ShapeKind.RECT, ((low_x - 4, top), (high_x + 4, bottom)), 2, Tone.MAT)]
        return [Shape(ShapeKind.RECT, ((low_x, 0.0), (high_x, MAT_THICKNESS)), 1.2, Tone.MAT)]
    if prop.kind is PropKind.WALL:
        wall_x = min(x - radius(name) for name, (x, _) in key.items()) - PROP_WIDTH
        return [Shape(ShapeKind.LINE, ((wall_x, 0.0), (wall_x, -112.0)), 3.0, Tone.PROP)]
    if prop.kind is PropKind.BED:
        return _bed(prop, view, key, span, every, lying=position in LYING)
    if prop.kind is PropKind.CHAIR:
        return _chair(view, prop.back, key[at], held=at.endswith("hand"))
    if prop.kind is PropKind.TOWEL:
        return [_towel(key, at)]
    return [_cushion(prop.kind, key[at], radius(at), view is View.ABOVE)]


def _bed(
    prop: Prop,
    view: View,
    key: dict[str, Point],
    span: tuple[float, float],
    every: list[Point],
    *,
    lying: bool,
) -> list[Shape]:
    """Return a bed lain on (its mattress top the line the body rests on) or sat on at its edge
    (its mattress top at seat height)."""
    low_x, high_x = span
    if view is View.ABOVE:  # seen from the ceiling: the mattress inside the bed's frame
        top, bottom = min(y for _, y in every) - 9, max(y for _, y in every) + 9
        frame = ((low_x - 7, top - 3), (high_x + 7, bottom + 3))
        mattress = ((low_x - 4, top), (high_x + 4, bottom))
        return [
            Shape(ShapeKind.RECT, frame, 2, Tone.PROP),
            Shape(ShapeKind.RECT, mattress, 3, Tone.MAT),
        ]
    if prop.at is None:
        left, right = low_x - 4, high_x + 4
        bed = _bed_side(left, right, 0.0)
        if not lying:
            return bed  # kneeling or sitting up: no end of the bed is the head's
        # Lying, a headboard at the head's end tells a bed from a bench or a table.
        head_end = left - HEADBOARD_WIDTH if key["head"][0] < key["pelvis"][0] else right
        board = ((head_end, -HEADBOARD_RISE), (head_end + HEADBOARD_WIDTH, BED_HEIGHT))
        return [Shape(ShapeKind.RECT, board, 1, Tone.PROP), *bed]
    x = key["pelvis"][0]
    if view is View.FRONT:  # sat on at its long edge, facing us: it reaches either side
        return _bed_side(x - BED_HALF_WIDTH, x + BED_HALF_WIDTH, -SEAT_HEIGHT)
    return _bed_side(x - BED_BEHIND, x + BED_FRONT, -SEAT_HEIGHT)


def _bed_side(left: float, right: float, top: float) -> list[Shape]:
    """Return a bed seen from the side: a mattress on a base on short legs, from its top at `top`
    down to the floor `BED_HEIGHT` below."""
    under_mattress = top + MATTRESS_THICKNESS
    under_base = under_mattress + BED_BASE_THICKNESS
    floor = top + BED_HEIGHT - PROP_WIDTH / 2  # the legs' round ends stand on the floor line
    legs = [_prop_line([(x, under_base), (x, floor)]) for x in (left + 4, right - 4)]
    base = ((left + 1, under_mattress - 1), (right - 1, under_base))
    return [
        *legs,
        Shape(ShapeKind.RECT, base, 1, Tone.PROP),
        Shape(ShapeKind.RECT, ((left, top), (right, under_mattress)), 3, Tone.MAT),
    ]


def _cushion(kind: PropKind, at: Point, reach: float, from_above: bool) -> Shape:
    """Return a pillow or block under a point of the body, filling the gap to the floor."""
    x, y = at
    half = 9.0 if kind is PropKind.PILLOW else 6.0
    rounding = 3.0 if kind is PropKind.PILLOW else 0.8
    if from_above:  # seen from the ceiling, the pillow shows around the head resting on it
        corners = ((x - half - 2, y - 8), (x + half + 2, y + 8))
        rounding = 4.0
    else:
        corners = ((x - half, min(y + reach, -2.0)), (x + half, 0.0))
    return Shape(ShapeKind.RECT, corners, rounding, Tone.PROP)


def _towel(points: dict[str, Point], knee: str) -> Shape:
    """Return a rolled towel tucked into the crease behind a bent knee."""
    side = knee.split("_")[0]
    kx, ky = points[knee]
    bend_x, bend_y = 0.0, 0.0
    for other in (f"{side}_hip", f"{side}_ankle"):
        ox, oy = points[other]
        length = math.dist((kx, ky), (ox, oy)) or 1.0
        bend_x, bend_y = bend_x + (ox - kx) / length, bend_y + (oy - ky) / length
    size = math.hypot(bend_x, bend_y) or 1.0
    centre = (kx + bend_x / size * 4.8, ky + bend_y / size * 4.8)
    return Shape(ShapeKind.DISC, (centre,), 3.0, Tone.PROP)


def _chair(view: View, back: ChairBack, at: Point, *, held: bool) -> list[Shape]:
    """Return a chair whose seat carries the pelvis at `at`, or whose backrest a hand holds."""
    seat_y = -SEAT_HEIGHT + 1.2  # the seat's line, just under the sitting bones
    x, y = at
    # Which way the backrest lies from the seat in the picture: -1 left, 1 right, 0 facing us.
    if view is View.FRONT:
        toward = {ChairBack.RIGHT: -1.0, ChairBack.LEFT: 1.0}.get(back, 0.0)
    else:
        toward = {ChairBack.BEHIND: -1.0, ChairBack.FRONT: 1.0}.get(back, 0.0)
    if held:
        # The hand rests on the top rail; the seat reaches away from the person.
        away = -toward if toward else 1.0
        back_x, front_x, back_top = x - away * 1.5, x + away * 24.0, y + 3.5
    elif toward:
        # Sitting sideways, the backrest stands clear of the hip beside it.
        gap = 16.0 if back in (ChairBack.RIGHT, ChairBack.LEFT) else 10.0
        back_x, front_x, back_top = x + toward * gap, x - toward * 14.0, seat_y - CHAIR_BACK_HEIGHT
    else:
        # Seen from the front: the seat on two legs, the backrest's frame behind the person.
        half, top = 15.0, seat_y - CHAIR_BACK_HEIGHT
        frame = [(x - half, seat_y), (x - half, top), (x + half, top), (x + half, seat_y)]
        legs = [(x - half, 0.0), (x - half, seat_y), (x + half, seat_y), (x + half, 0.0)]
        return [_prop_line(frame), _prop_line(legs)]
    post = [(back_x, 0.0), (back_x, back_top)]
    seat = [(back_x, seat_y), (front_x, seat_y), (front_x, 0.0)]
    return [_prop_line(post), _prop_line(seat)]


def _prop_line(points: list[Point]) -> Shape:
    return Shape(ShapeKind.LINE, tuple(points), PROP_WIDTH, Tone.PROP)
