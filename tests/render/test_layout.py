"""Every figure is laid out on the floor or the chair the way its position says, and its other
side is the exact mirror image."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from backstretch.core.body import SEAT_HEIGHT, Vec, radius
from backstretch.core.catalogue import Catalogue, Stretch
from backstretch.core.models import FLOOR_POSITIONS, Movement, Position
from backstretch.data import builtin_catalogue
from backstretch.render.layout import (
    Scene,
    ShapeKind,
    Tone,
    figure_of,
    is_one_sided,
    layout,
    touches,
)
from tests.factories import own_stretch

IDS = [stretch.id for stretch in builtin_catalogue()]
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


def _check_resting(stretch: Stretch, scene: Scene) -> None:
    for frame in scene.frames:
        where = f"{stretch.id} {frame.keyframe.name}"
        below = {n: y - radius(n) for n, (_, y, _) in frame.body.items() if y - radius(n) < -1e-9}
        assert not below, f"{where}: below the floor: {below}"
        should, rests = RESTS[stretch.position]
        assert rests(frame.body), f"{where} should {should}"


@pytest.mark.parametrize("stretch_id", IDS)
def test_every_keyframe_rests_as_its_position_says(catalogue: Catalogue, stretch_id: str) -> None:
    stretch = catalogue.get(stretch_id)
    _check_resting(stretch, layout(stretch))


def _own(position: Position) -> Stretch:
    tags: list[Movement] = []
    if position in FLOOR_POSITIONS:
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


@pytest.mark.parametrize("stretch_id", IDS)
def test_the_drawing_stays_above_the_floor_line(catalogue: Catalogue, stretch_id: str) -> None:
    scene = layout(catalogue.get(stretch_id))
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


@pytest.mark.parametrize("stretch_id", IDS)
def test_what_stays_put_does_not_slide_between_keyframes(
    catalogue: Catalogue, stretch_id: str
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch)
    for name in ANCHORS.get(stretch.position, ("pelvis",)):
        xs = {round(frame.points[name][0]) for frame in scene.frames}
        assert len(xs) == 1, f"{stretch_id}: {name} moves between keyframes: {sorted(xs)}"


@pytest.mark.parametrize("stretch_id", [i for i in IDS if is_one_sided(builtin_catalogue().get(i))])
def test_the_other_side_is_the_exact_mirror_image(catalogue: Catalogue, stretch_id: str) -> None:
    stretch = catalogue.get(stretch_id)
    drawn, other = (
        figure_of(stretch).side,
        "left" if figure_of(stretch).side == "right" else "right",
    )
    right, left = layout(stretch, drawn), layout(stretch, other)
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
