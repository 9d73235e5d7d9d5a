"""The jointed figure: natural proportions, angle conventions, a rigid body in every pose."""

from __future__ import annotations

import math

import pytest

from backstretch.core.body import (
    BONES,
    SEAT_HEIGHT,
    Arm,
    Leg,
    Pose,
    joint_positions,
    lowest,
    on_floor,
    on_seat,
    radius,
)
from backstretch.core.catalogue import Catalogue
from backstretch.render.layout import figure_of


def test_standing_figure_has_natural_proportions() -> None:
    body = on_floor(joint_positions(Pose()))
    top_of_head = body["head"][1] + radius("head")
    assert 98 <= top_of_head <= 102
    assert body["pelvis"][1] == pytest.approx(0.53 * top_of_head, abs=2)  # hips about halfway
    assert body["right_shoulder"][1] == pytest.approx(0.79 * top_of_head, abs=2)
    assert body["right_knee"][1] == pytest.approx(body["right_ankle"][1] + 24.5)
    # Arms hanging, the fingertips reach the middle of the thigh.
    assert body["right_knee"][1] < body["right_hand"][1] < body["pelvis"][1]


def test_angles_follow_their_conventions() -> None:
    level_thigh = joint_positions(Pose(right_leg=Leg(hip=90)))
    hip, knee = level_thigh["right_hip"], level_thigh["right_knee"]
    assert knee[0] - hip[0] == pytest.approx(24.5)  # forward
    assert knee[1] == pytest.approx(hip[1])
    folded = joint_positions(Pose(right_leg=Leg(knee=90)))
    assert folded["right_ankle"][0] < folded["right_knee"][0]  # the shin folds back
    rounded = joint_positions(Pose(back=30))
    assert rounded["neck"][0] > 0  # rounding brings the chest forward
    arched = joint_positions(Pose(back=-30))
    assert arched["neck"][0] < 0
    raised = joint_positions(Pose(right_arm=Arm(shoulder=180)))
    assert raised["right_hand"][1] > raised["head"][1]
    out = joint_positions(Pose(right_arm=Arm(out=90), left_arm=Arm(out=90)))
    assert out["right_hand"][2] > 30 and out["left_hand"][2] < -30
    shrugged = joint_positions(Pose(shrug=30))
    assert shrugged["right_shoulder"][1] > joint_positions(Pose())["right_shoulder"][1] + 4
    lying = joint_positions(Pose(lean=-90))
    assert lying["head"][0] < -30 and lying["nose"][1] > lying["head"][1]  # on the back, face up
    on_left_side = joint_positions(Pose(lean=-90, turn=-90))
    assert on_left_side["right_hip"][1] > on_left_side["left_hip"][1]


def test_left_is_the_mirror_of_right_for_the_same_angles() -> None:
    arm, leg = Arm(shoulder=40, out=30, turn=20, elbow=50), Leg(hip=70, out=20, turn=30, knee=60)
    body = joint_positions(Pose(right_arm=arm, left_arm=arm, right_leg=leg, left_leg=leg))
    for name, (x, y, z) in body.items():
        if name.startswith("right_"):
            assert body[name.replace("right_", "left_")] == pytest.approx((x, y, -z))


def _all_keyframes(catalogue: Catalogue) -> list[tuple[str, str, Pose]]:
    return [
        (stretch.id, keyframe.name, keyframe.angles.pose())
        for stretch in catalogue
        for keyframe in figure_of(stretch).keyframes
    ]


def test_segment_lengths_are_the_same_in_every_keyframe(catalogue: Catalogue) -> None:
    keyframes = _all_keyframes(catalogue)
    assert len(keyframes) >= 2 * len(catalogue)
    for stretch_id, name, pose in keyframes:
        body = joint_positions(pose)
        for start, end, length in BONES:
            assert math.dist(body[start], body[end]) == pytest.approx(length, abs=1e-9), (
                f"{stretch_id} {name}: {start}-{end}"
            )


def test_resting_on_the_floor_and_on_a_seat() -> None:
    lying = on_floor(joint_positions(Pose(lean=-90)))
    assert lowest(lying) == pytest.approx(0)
    seated = on_seat(joint_positions(Pose(right_leg=Leg(hip=90, knee=90), left_leg=Leg(90))))
    assert seated["pelvis"][1] - radius("pelvis") == pytest.approx(SEAT_HEIGHT)
    # Thighs level and shins upright: the feet rest flat on the floor.
    assert seated["right_toe"][1] - radius("right_toe") == pytest.approx(0)
    assert seated["right_ankle"][1] == pytest.approx(seated["right_toe"][1])
