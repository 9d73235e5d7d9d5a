"""Poses as data: the figure schema, its angle names and how a breath phase picks a keyframe."""

from __future__ import annotations

from typing import Any

import pytest

from backstretch.core.body import Arm, Leg
from backstretch.core.models import Position
from backstretch.core.poses import (
    POINTS,
    Angles,
    Figure,
    Phase,
    View,
    plain_figure,
)
from backstretch.core.timeline import Breath
from backstretch.core.validation import InvalidData, validate_strict


def _figure(**changes: Any) -> Figure:
    document: dict[str, Any] = {
        "keyframes": [
            {"name": "start", "phase": "none", "shows": "standing tall"},
            {"name": "stretch", "phase": "steady", "shows": "leaning", "angles": {"back": 20}},
        ]
    }
    document.update(changes)
    return validate_strict(Figure, document)


def test_phases_are_the_timeline_breath_values() -> None:
    assert [p.value for p in Phase] == [b.value for b in Breath]


def test_a_plain_angle_sets_both_sides_and_a_sided_one_overrides_it() -> None:
    pose = Angles(knee=90, right_knee=30, shoulder_out=10, lean=5).pose()
    assert pose.right_leg == Leg(knee=30)
    assert pose.left_leg == Leg(knee=90)
    assert pose.right_arm == pose.left_arm == Arm(out=10)
    assert pose.lean == 5


def test_angles_dump_only_what_was_given() -> None:
    assert Angles(knee=90, right_hip=0).model_dump(mode="json") == {"knee": 90, "right_hip": 0}


def test_a_phase_picks_its_keyframe_or_falls_back() -> None:
    figure = _figure()
    assert figure.key_frame.name == "stretch"  # the last keyframe, when no key is named
    assert figure.for_phase(Phase.NONE).name == "start"
    assert figure.for_phase(Phase.STEADY).name == "stretch"
    # A hold has no in- or out-breath; should a player ask, it sees the key pose.
    assert figure.for_phase(Phase.INHALE).name == "stretch"
    assert figure.phases_of(figure.keyframe("start")) == (Phase.NONE,)
    assert figure.phases_of(figure.keyframe("stretch")) == (
        Phase.INHALE,
        Phase.EXHALE,
        Phase.STEADY,
    )


def test_reps_without_a_start_pose_get_ready_in_the_first_keyframe() -> None:
    figure = _figure(
        key="up",
        keyframes=[
            {"name": "down", "phase": "exhale", "shows": "lying"},
            {"name": "up", "phase": "inhale", "shows": "chest up"},
        ],
    )
    assert figure.for_phase(Phase.NONE).name == "down"
    assert figure.for_phase(Phase.STEADY).name == "up"
    every = [p for frame in figure.keyframes for p in figure.phases_of(frame)]
    assert sorted(every) == sorted(Phase)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"keyframes": []}, "at least 1"),
        ({"key": "peak"}, "key 'peak' is not one of the keyframes"),
        ({"view": "top"}, "Input should be"),
        ({"props": [{"kind": "pillow"}]}, "needs `at`"),
        ({"props": [{"kind": "mat", "at": "head"}]}, "takes no `at`"),
        ({"props": [{"kind": "block", "at": "forehead"}]}, "unknown body point 'forehead'"),
        ({"props": [{"kind": "pillow", "at": "head", "back": "left"}]}, "only a chair"),
        (
            {
                "keyframes": [
                    {"name": "a", "phase": "none", "shows": "x"},
                    {"name": "a", "phase": "steady", "shows": "y"},
                ]
            },
            "share a name",
        ),
        (
            {
                "keyframes": [
                    {"name": "a", "phase": "steady", "shows": "x"},
                    {"name": "b", "phase": "steady", "shows": "y"},
                ]
            },
            "share a breath phase",
        ),
        (
            {"keyframes": [{"name": "a", "phase": "none", "shows": "x", "angles": {"kne": 9}}]},
            "Extra inputs",
        ),
        (
            {"keyframes": [{"name": "a", "phase": "none", "shows": "x", "angles": {"knee": 170}}]},
            "less than or equal to 165",
        ),
        ({"keyframes": [{"name": "Big Pose", "phase": "none", "shows": "x"}]}, "pattern"),
        ({"view": "front", "seen_from": "left"}, "side or three-quarter view"),
        ({"moves": ["right_wing"]}, "right_arm"),
    ],
)
def test_bad_figures_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidData, match=message):
        _figure(**changes)


def test_props_can_be_placed_at_any_body_point() -> None:
    assert {"head", "pelvis", "right_hand", "left_knee", "nose"} <= POINTS


@pytest.mark.parametrize("position", list(Position))
def test_every_position_has_a_plain_resting_figure(position: Position) -> None:
    figure = plain_figure(position)
    assert len(figure.keyframes) == 1
    # Lying on one side is seen from the ceiling, so the bent legs show.
    assert figure.view is (View.ABOVE if position is Position.SIDE_LYING else View.SIDE)


def test_a_figure_names_the_limbs_that_move_and_the_side_it_is_seen_from() -> None:
    figure = _figure(view="three_quarter", seen_from="left", moves=["right_arm"])
    assert figure.seen_from == "left" and figure.moves == ("right_arm",)
    assert _figure().seen_from == "right" and _figure().moves is None
