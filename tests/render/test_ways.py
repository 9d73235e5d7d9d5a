"""Every way of a stretch gets a figure: its own, or the stretch's re-seated for its place, with
words that say what the new picture shows."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from backstretch.core.body import joint_positions
from backstretch.core.catalogue import Catalogue, Stretch, Way
from backstretch.core.models import Place, Position
from backstretch.core.poses import (
    Angles,
    Figure,
    Keyframe,
    Phase,
    Prop,
    PropKind,
    plain_figure,
)
from backstretch.data import builtin_catalogue
from backstretch.render.layout import layout
from backstretch.render.ways import drawn_from, figure_for, reseated

WAYS = [(stretch.id, way.place) for stretch in builtin_catalogue() for way in stretch.ways]
SITTING_WORDS = re.compile(r"\b(sit|sitting|chair|seat|backrest)\b")


def _derived(place: Place) -> list[tuple[str, Place]]:
    """Return the built-in ways at `place` drawn from another way's figure."""
    return [
        (stretch.id, way.place)
        for stretch in builtin_catalogue()
        for way in stretch.ways
        if way.place is place and way.figure is None
    ]


def _figure(stretch_id: str, place: Place) -> tuple[Stretch, Way, Figure]:
    stretch = builtin_catalogue().get(stretch_id)
    way = stretch.way_at(place)
    return stretch, way, figure_for(stretch, way)


def test_every_place_a_figure_is_derived_for_has_an_example() -> None:
    for place in (Place.STANDING, Place.BED_EDGE, Place.BED):
        assert _derived(place), place


@pytest.mark.parametrize(("stretch_id", "place"), WAYS)
def test_every_way_has_a_figure_that_validates(stretch_id: str, place: Place) -> None:
    stretch, way, figure = _figure(stretch_id, place)
    assert Figure.model_validate_json(figure.model_dump_json()) == figure
    assert drawn_from(stretch, way) is not None, "a built-in way is never a placeholder"
    if way.figure is not None:
        assert figure is way.figure
    usual = figure_for(stretch, stretch.usual_way)
    # The same keyframes in the same order, so a timeline's breath phases find their pose.
    assert [(k.name, k.phase) for k in figure.keyframes] == [
        (k.name, k.phase) for k in usual.keyframes
    ]
    assert (figure.view, figure.side, figure.key) == (usual.view, usual.side, usual.key)


@pytest.mark.parametrize(("stretch_id", "place"), _derived(Place.STANDING))
def test_a_standing_way_has_straight_legs_and_no_chair(stretch_id: str, place: Place) -> None:
    _, _, figure = _figure(stretch_id, place)
    assert not any(prop.kind is PropKind.CHAIR for prop in figure.props)
    for frame in figure.keyframes:
        pose = frame.angles.pose()
        for leg in (pose.right_leg, pose.left_leg):
            assert (leg.hip, leg.knee, leg.ankle, leg.turn) == (pose.lean, 0, 0, 0), frame.name
            assert 0 <= leg.out <= 10, frame.name
        assert not SITTING_WORDS.search(frame.shows), frame.shows
        assert frame.shows.startswith("standing"), frame.shows


@pytest.mark.parametrize(("stretch_id", "place"), _derived(Place.STANDING))
def test_standing_up_keeps_a_raised_hand_and_lets_a_resting_one_hang(
    stretch_id: str, place: Place
) -> None:
    stretch, _, figure = _figure(stretch_id, place)
    sitting = figure_for(stretch, stretch.usual_way)
    for seated, standing in zip(sitting.keyframes, figure.keyframes, strict=True):
        before = joint_positions(seated.angles.pose())
        after = joint_positions(standing.angles.pose())
        for side in ("right", "left"):
            hand = f"{side}_hand"
            if before[hand][1] > before["waist"][1]:  # a hand up at the head stays where it was
                assert after[hand] == pytest.approx(before[hand]), (seated.name, side)
            else:  # a hand on a thigh or the seat hangs by the side, below the hip
                assert after[hand][1] < after[f"{side}_hip"][1], (seated.name, side)


@pytest.mark.parametrize(("stretch_id", "place"), _derived(Place.BED))
def test_a_bed_way_lies_on_a_bed_not_a_mat(stretch_id: str, place: Place) -> None:
    _, _, figure = _figure(stretch_id, place)
    kinds = [prop.kind for prop in figure.props]
    assert PropKind.MAT not in kinds
    beds = [prop for prop in figure.props if prop.kind is PropKind.BED]
    assert len(beds) == 1 and beds[0].at is None
    for frame in figure.keyframes:
        assert not re.search(r"\b(floor|mat)\b", frame.shows), frame.shows


@pytest.mark.parametrize(("stretch_id", "place"), _derived(Place.BED_EDGE))
def test_a_bed_edge_way_sits_on_a_bed_without_a_backrest(stretch_id: str, place: Place) -> None:
    _, _, figure = _figure(stretch_id, place)
    assert not any(prop.kind is PropKind.CHAIR for prop in figure.props), "no chair, no backrest"
    beds = [prop for prop in figure.props if prop.kind is PropKind.BED]
    assert len(beds) == 1 and beds[0].at == "pelvis"
    for frame in figure.keyframes:
        assert not re.search(r"\b(chair|seat|backrest)\b", frame.shows), frame.shows
        assert "on the edge of a bed" in frame.shows or "sitting" not in frame.shows


def _sitting(shows: str) -> Figure:
    angles = Angles(shoulder=-2, elbow=83, hip=90, hip_out=5, knee=90)
    keyframe = Keyframe(name="start", phase=Phase.NONE, shows=shows, angles=angles)
    return Figure(props=(Prop(kind=PropKind.CHAIR, at="pelvis"),), keyframes=(keyframe,))


@pytest.mark.parametrize(
    ("sitting", "target", "words"),
    [
        ("sitting tall on a chair", Place.STANDING, "standing tall"),
        ("sitting tall near the front of a chair, hands on the thighs", Place.STANDING,
         "standing tall, arms by the sides"),
        ("sitting back in a chair, feet flat", Place.STANDING, "standing, feet flat"),
        ("sitting on a chair, one hand resting on the seat", Place.STANDING,
         "standing, one arm by the side"),
        ("sitting tall on a chair", Place.BED_EDGE, "sitting tall on the edge of a bed"),
        ("sitting near the front of a chair, hands on the thighs", Place.BED_EDGE,
         "sitting on the edge of a bed, hands on the thighs"),
        ("sitting on a chair, one hand resting on the seat", Place.BED_EDGE,
         "sitting on the edge of a bed, one hand resting on the bed"),
    ],
)  # fmt: skip
def test_the_words_are_re_seated_with_the_picture(sitting: str, target: Place, words: str) -> None:
    moved = reseated(_sitting(sitting), Place.CHAIR, target)
    assert moved is not None
    assert moved.keyframes[0].shows == words


@pytest.mark.parametrize(
    ("lying", "words"),
    [
        ("lying on the back, the other foot flat on the floor", "lying on the back, "
         "the other foot flat on the bed"),
        ("kneeling upright on a mat, a pillow on the heels", "kneeling upright on a bed, "
         "a pillow on the heels"),
    ],
)  # fmt: skip
def test_the_words_move_from_the_floor_to_the_bed(lying: str, words: str) -> None:
    keyframe = Keyframe(name="rest", phase=Phase.STEADY, shows=lying, angles=Angles(lean=-90))
    figure = Figure(props=(Prop(kind=PropKind.MAT),), keyframes=(keyframe,))
    moved = reseated(figure, Place.FLOOR, Place.BED)
    assert moved is not None and moved.keyframes[0].shows == words
    assert moved.props == (Prop(kind=PropKind.BED),)


def test_a_figure_stays_as_it_is_at_its_own_place_and_cannot_move_where_no_rule_says() -> None:
    figure = _sitting("sitting on a chair")
    assert reseated(figure, Place.CHAIR, Place.CHAIR) is figure
    assert reseated(figure, Place.CHAIR, Place.FLOOR) is None
    assert reseated(figure, Place.STANDING, Place.CHAIR) is None


def _without_figures(stretch: Stretch, *ways: Way) -> Stretch:
    bare = tuple(way.model_copy(update={"figure": None}) for way in ways)
    return stretch.model_copy(update={"ways": bare})


def test_a_stretch_without_a_figure_gets_a_plain_one_for_each_way(catalogue: Catalogue) -> None:
    stretch = catalogue.get("knee-to-chest")
    own = _without_figures(stretch, *stretch.ways)
    floor, bed = own.way_at(Place.FLOOR), own.way_at(Place.BED)
    assert figure_for(own, floor) == plain_figure(Position.SUPINE)
    on_bed = figure_for(own, bed)
    assert [prop.kind for prop in on_bed.props] == [PropKind.BED]
    assert drawn_from(own, bed) is None
    scene = layout(own, way=bed)
    assert scene.plain


def test_a_way_no_rule_can_re_seat_falls_back_to_a_plain_figure(catalogue: Catalogue) -> None:
    # A stretch drawn standing, with a chair way of no figure of its own: sitting down is not
    # derived, so the chair way is drawn plain rather than as a person standing on a chair.
    stretch = catalogue.get("standing-hip-hinge")
    chair = Way(
        place=Place.CHAIR, position=Position.CHAIR, movements=(), setup=("Sit on a chair.",)
    )
    both = stretch.model_copy(update={"ways": (*stretch.ways, chair)})
    assert figure_for(both, chair) == plain_figure(Position.CHAIR)
    assert drawn_from(both, chair) is None
    assert layout(both, way=chair).plain


@pytest.mark.parametrize(
    ("at", "accepted"),
    [(None, True), ("pelvis", True), ("head", False), ("right_hand", False)],
)
def test_a_bed_is_lain_on_or_sat_on_at_its_edge(at: str | None, accepted: bool) -> None:
    if accepted:
        assert Prop(kind=PropKind.BED, at=at).at == at
    else:
        with pytest.raises(ValidationError, match="a bed takes no `at` when lain on"):
            Prop(kind=PropKind.BED, at=at)
