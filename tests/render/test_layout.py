"""Every way of every stretch is laid out on the floor, a bed or a seat the way its position says,
and its other side is the exact mirror image."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import pytest

from backstretch.core.body import SEAT_HEIGHT, Vec, radius
from backstretch.core.catalogue import Catalogue, Stretch, Way
from backstretch.core.models import LOW_POSITIONS, Movement, Place, Position
from backstretch.data import builtin_catalogue
from backstretch.render.layout import (
    BED_HEIGHT,
    CONTACT_TOLERANCE,
    Scene,
    Shape,
    ShapeKind,
    Tone,
    figure_of,
    is_one_sided,
    layout,
    touches,
)
from tests.factories import own_stretch

IDS = [stretch.id for stretch in builtin_catalogue()]
# Every way of every built-in stretch, as (stretch id, place).
WAYS = [(stretch.id, way.place) for stretch in builtin_catalogue() for way in stretch.ways]
FEET = ("right_ankle", "left_ankle", "right_toe", "left_toe")
HANDS = ("right_wrist", "left_wrist", "right_hand", "left_hand")
KNEES = ("right_knee", "left_knee")
SIDES = ("right", "left")


def _any(body: Mapping[str, Vec], names: tuple[str, ...], height: float = 0.0) -> bool:
    return any(touches(body, name, height) for name in names)


def _lies_down(body: Mapping[str, Vec]) -> bool:
    return _any(body, ("pelvis", "neck")) and body["head"][1] < 50


def _lies_on_a_side(body: Mapping[str, Vec]) -> bool:
    return any(touches(body, f"{s}_hip") and touches(body, f"{s}_shoulder") for s in SIDES)


def _sits_on_the_chair(body: Mapping[str, Vec]) -> bool:
    on_seat = touches(body, "pelvis", SEAT_HEIGHT) and not touches(body, "pelvis")
    return on_seat and _any(body, FEET)


def _stands(body: Mapping[str, Vec]) -> bool:
    return _any(body, FEET) and not _any(body, KNEES) and body["pelvis"][1] > 40


def _sits_on_the_floor(body: Mapping[str, Vec]) -> bool:
    return touches(body, "pelvis") and body["head"][1] > 35


# How each position rests on the floor or the chair, as the catalogue's `position` says.
RESTS: dict[Position, tuple[str, Callable[[Mapping[str, Vec]], bool]]] = {
    Position.SUPINE: ("lie down: the hips or shoulders on the floor, the head low", _lies_down),
    Position.PRONE: ("lie down: the hips or shoulders on the floor, the head low", _lies_down),
    Position.SIDE_LYING: ("lie on one side: that hip and shoulder on the floor", _lies_on_a_side),
    Position.ALL_FOURS: (
        "be on hands and knees: a hand and a knee on the floor",
        lambda body: _any(body, HANDS) and _any(body, KNEES),
    ),
    Position.KNEELING: ("kneel: a knee on the floor", lambda body: _any(body, KNEES)),
    Position.CHAIR: ("sit on the chair with a foot on the floor", _sits_on_the_chair),
    Position.STANDING: ("stand: a foot down, the knees off the floor, hips high", _stands),
    Position.FLOOR_SEATED: ("sit on the floor: the hips down, the head up", _sits_on_the_floor),
}


def _check_resting(stretch: Stretch, scene: Scene, way: Way | None = None) -> None:
    position = (way or stretch.usual_way).position
    for frame in scene.frames:
        where = f"{stretch.id} {frame.keyframe.name}"
        below = {n: y - radius(n) for n, (_, y, _) in frame.body.items() if y - radius(n) < -1e-9}
        assert not below, f"{where}: below the floor: {below}"
        should, rests = RESTS[position]
        assert rests(frame.body), f"{where} should {should}"


@pytest.mark.parametrize(("stretch_id", "place"), WAYS)
def test_every_keyframe_of_every_way_rests_as_its_position_says(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    way = stretch.way_at(place)
    _check_resting(stretch, layout(stretch, way=way), way)


def test_the_usual_way_is_laid_out_by_default(catalogue: Catalogue) -> None:
    stretch = catalogue.get("neck-flexion")
    assert layout(stretch) == layout(stretch, way=stretch.usual_way)
    assert layout(stretch, way=stretch.way_at(Place.STANDING)) != layout(stretch)


def _own(position: Position) -> Stretch:
    tags: list[Movement] = []
    if position in LOW_POSITIONS:
        tags.append(Movement.FLOOR)
    if position in (Position.KNEELING, Position.ALL_FOURS):
        tags.append(Movement.KNEELING)
    if position is Position.ALL_FOURS:
        tags.append(Movement.HANDS_WEIGHT)
    if position is Position.SUPINE:
        tags.append(Movement.SUPINE)
    if position is Position.PRONE:
        tags.append(Movement.PRONE)
    return own_stretch(position=position.value, movements=[t.value for t in tags])


@pytest.mark.parametrize("position", list(Position))
def test_a_stretch_without_a_figure_gets_a_plain_one_that_rests_right(position: Position) -> None:
    stretch = _own(position)
    assert stretch.figure is None
    scene = layout(stretch)
    assert scene.plain
    _check_resting(stretch, scene)
    tones = {shape.tone for frame in scene.frames for shape in frame.shapes}
    assert Tone.NEAR not in tones and Tone.PLAIN in tones


@pytest.mark.parametrize(("stretch_id", "place"), WAYS)
def test_the_drawing_stays_above_the_floor_line(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch, way=stretch.way_at(place))
    if scene.floor_y is None:  # seen from above there is no floor line
        return
    for frame in scene.frames:
        for shape in frame.shapes:
            if shape.tone is Tone.HALO:  # the white edge may overlap what it rests on
                continue
            bottom = max(_drawn_ys(shape.kind, shape.points)) + shape.reach
            assert bottom <= scene.floor_y + 0.15, f"{stretch_id} {frame.keyframe.name}"


def _drawn_ys(kind: ShapeKind, points: tuple[tuple[float, float], ...]) -> list[float]:
    if kind is not ShapeKind.CURVE:
        return [y for _, y in points]
    (_, y0), (_, ym), (_, y2) = points
    control = 2 * ym - (y0 + y2) / 2  # the curve passes through the middle point
    steps = [i / 20 for i in range(21)]
    return [(1 - t) ** 2 * y0 + 2 * (1 - t) * t * control + t**2 * y2 for t in steps]


# The keyframes show the right side at work, so the left foot or knee is the one that stays down.
ANCHORS = {
    Position.STANDING: ("left_ankle",),
    Position.KNEELING: ("right_knee",),
    Position.ALL_FOURS: ("left_knee",),
    Position.SUPINE: ("neck",),
}


@pytest.mark.parametrize(("stretch_id", "place"), WAYS)
def test_what_stays_put_does_not_slide_between_keyframes(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    way = stretch.way_at(place)
    scene = layout(stretch, way=way)
    for name in ANCHORS.get(way.position, ("pelvis",)):
        xs = {round(frame.points[name][0]) for frame in scene.frames}
        assert len(xs) == 1, f"{stretch_id}: {name} moves between keyframes: {sorted(xs)}"


@pytest.mark.parametrize(
    ("stretch_id", "place"), [w for w in WAYS if is_one_sided(builtin_catalogue().get(w[0]))]
)
def test_the_other_side_is_the_exact_mirror_image(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    way = stretch.way_at(place)
    drawn = figure_of(stretch, way).side
    other: Literal["left", "right"] = "left" if drawn == "right" else "right"
    right, left = layout(stretch, drawn, way), layout(stretch, other, way)
    assert (left.width, left.height, left.floor_y) == (right.width, right.height, right.floor_y)
    width = right.width
    for ours, theirs in zip(right.frames, left.frames, strict=True):
        assert ours.body == theirs.body
        for name, (x, y) in ours.points.items():
            assert theirs.points[name] == (round(width - x, 1), y), name
        for shape, mirrored in zip(ours.shapes, theirs.shapes, strict=True):
            assert [(round(width - x, 1), y) for x, y in shape.points] == list(mirrored.points)
    for prop, mirrored in zip(right.props, left.props, strict=True):
        assert [(round(width - x, 1), y) for x, y in prop.points] == list(mirrored.points)
    assert right.title.endswith(f"{drawn} side") and left.title.endswith(f"{other} side")


def test_a_stretch_on_both_sides_at_once_is_never_mirrored(catalogue: Catalogue) -> None:
    stretch = catalogue.get("cat-cow")
    assert layout(stretch, "left") == layout(stretch, "right") == layout(stretch)
    assert layout(stretch).title == "Cat-cow"


def test_props_stay_put_and_the_chair_carries_the_sitter(catalogue: Catalogue) -> None:
    scene = layout(catalogue.get("seated-cat-cow"))
    assert scene.floor_y is not None
    seat_y = round(scene.floor_y - SEAT_HEIGHT + 1.2, 1)
    seat_lines = [p for p in scene.props if any(abs(y - seat_y) < 0.11 for _, y in p.points)]
    assert seat_lines, "the chair's seat is drawn at seat height"
    pelvis_x = {frame.points["pelvis"][0] for frame in scene.frames}
    assert len(pelvis_x) == 1


# --- beds --------------------------------------------------------------------------------------

BED_WAYS = [(i, p) for i, p in WAYS if p is Place.BED]
BED_EDGE_WAYS = [(i, p) for i, p in WAYS if p is Place.BED_EDGE]
# The standing ways drawn from a figure sitting on a chair.
STOOD_UP = [
    (stretch.id, way.place)
    for stretch in builtin_catalogue()
    for way in stretch.ways
    if way.place is Place.STANDING and stretch.usual_way.place is Place.CHAIR
]


def _mattress(scene: Scene) -> Shape:
    """Return the bed's mattress: the light box the body lies or sits on."""
    found = [s for s in scene.props if s.kind is ShapeKind.RECT and s.tone is Tone.MAT]
    assert len(found) == 1, "one mattress"
    return found[0]


def _floor_line(scene: Scene) -> float:
    lines = [s for s in scene.props if s.tone is Tone.FLOOR]
    assert len(lines) == 1
    return lines[0].points[0][1]


def _lowest_edge(scene: Scene, frame_name: str) -> float:
    """Return the picture's y of the lowest edge of a keyframe's body (y grows downward)."""
    frame = scene.frame(frame_name)
    return max(y + radius(name) for name, (_, y) in frame.points.items())


def test_the_examples_cover_lying_on_a_bed_sitting_on_its_edge_and_standing_up() -> None:
    assert BED_WAYS and BED_EDGE_WAYS and STOOD_UP


@pytest.mark.parametrize(("stretch_id", "place"), BED_WAYS)
def test_a_body_lying_on_a_bed_rests_on_the_mattress_top(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch, way=stretch.way_at(place))
    if scene.floor_y is None:  # seen from the ceiling the bed is the area under the body
        assert _mattress(scene)
        return
    top = min(y for _, y in _mattress(scene).points)
    assert top == scene.floor_y, "the body rests on the line of the mattress top"
    for frame in scene.frames:
        lowest = _lowest_edge(scene, frame.keyframe.name)
        # Lying on it, neither floating above the mattress nor sunk into it.
        assert abs(lowest - top) <= CONTACT_TOLERANCE, (frame.keyframe.name, lowest, top)
        assert any(touches(frame.body, name) for name in frame.body)
    assert _floor_line(scene) == pytest.approx(top + BED_HEIGHT, abs=0.11), "the bed stands on it"


@pytest.mark.parametrize(("stretch_id", "place"), BED_EDGE_WAYS)
def test_a_body_on_the_edge_of_a_bed_sits_on_it_with_the_feet_on_the_floor(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch, way=stretch.way_at(place))
    assert scene.floor_y is not None
    top = min(y for _, y in _mattress(scene).points)
    assert top == pytest.approx(scene.floor_y - SEAT_HEIGHT, abs=0.11), "a seat-height bed"
    assert _floor_line(scene) == scene.floor_y
    for frame in scene.frames:
        assert _sits_on_the_chair(frame.body), frame.keyframe.name
        trunk_bottom = frame.points["pelvis"][1] + radius("pelvis")
        assert abs(trunk_bottom - top) <= CONTACT_TOLERANCE, frame.keyframe.name
    # No backrest: nothing of the bed rises above its mattress.
    assert all(y >= top - 0.01 for shape in scene.props for _, y in shape.points)


@pytest.mark.parametrize(("stretch_id", "place"), BED_EDGE_WAYS)
def test_the_bed_reaches_behind_its_sitter(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch, way=stretch.way_at(place))
    (left, _), (right, _) = _mattress(scene).points
    pelvis_x = scene.frame(scene.key).points["pelvis"][0]
    assert left < pelvis_x < right
    if figure_of(stretch, stretch.way_at(place)).view.value != "front":
        faces_right = scene.frame(scene.key).points["right_knee"][0] > pelvis_x
        behind, ahead = (pelvis_x - left, right - pelvis_x)
        if not faces_right:
            behind, ahead = ahead, behind
        assert behind > 2 * ahead, "the bed lies behind, the knees clear of its edge"


@pytest.mark.parametrize(("stretch_id", "place"), STOOD_UP)
def test_a_standing_way_drawn_from_a_chair_leaves_the_chair_out(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch, way=stretch.way_at(place))
    assert scene.floor_y is not None
    assert all(shape.tone is Tone.FLOOR for shape in scene.props), "only the floor line"
    for frame in scene.frames:
        assert _stands(frame.body), frame.keyframe.name


@pytest.mark.parametrize(("stretch_id", "place"), BED_WAYS)
def test_a_bed_lain_on_has_its_headboard_at_the_heads_end(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch, way=stretch.way_at(place))
    if scene.floor_y is None:
        return
    top = min(y for _, y in _mattress(scene).points)
    boards = [s for s in scene.props if s.kind is ShapeKind.RECT and s.tone is Tone.PROP]
    boards = [s for s in boards if min(y for _, y in s.points) < top]
    assert len(boards) == 1, "one headboard, rising above the mattress"
    board_x = boards[0].points[0][0]
    for frame in scene.frames:
        head, pelvis = frame.points["head"][0], frame.points["pelvis"][0]
        assert (board_x - pelvis) * (head - pelvis) > 0, "on the head's side"
        assert abs(board_x - pelvis) > abs(head - pelvis), "beyond the head"
