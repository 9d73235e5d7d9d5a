"""A stick figure with fixed, natural proportions, posed by joint angles.

The figure is posed in three dimensions, so an arm can reach across the body or a knee can fall
open to the side, and is then seen from the side, the front or above (see `layout`). Units: the
figure stands about 100 tall; `y` points up and the floor is `y = 0`. The body's own axes,
standing: `x` forward, `y` up, `z` toward its right side (the side a side view looks at).

Angles are degrees, zero when standing tall with the arms hanging. Flexion is positive: a hip at
90 lifts the thigh level in front, a knee at 90 folds the shin back, a back at 30 rounds forward
and a negative back arches. `out` takes a limb away from the body to its own side (negative:
across the body), `turn` rolls a limb outward, and the trunk and neck bend and turn toward the
right side when positive.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

Vec = tuple[float, float, float]
# A rotation as three rows; its columns are the body part's own axes seen from outside.
Matrix = tuple[Vec, Vec, Vec]

# Segment lengths in hundredths of the standing height, after the usual anthropometric tables
# (hips at 53, shoulders at 82), rounded so the thigh and shin are equal: then a person lying on
# their back keeps the feet flat exactly when the knee bends twice as far as the hip.
PELVIS_TO_WAIST = 13.0
WAIST_TO_NECK = 16.0
NECK = 5.0
HEAD_RADIUS = 6.5
SHOULDER_DROP = 3.0  # the shoulder joints sit a little below the base of the neck
HALF_SHOULDERS = 12.0
HALF_HIPS = 8.0
UPPER_ARM = 18.6
FOREARM = 14.6
HAND = 7.0
THIGH = 24.5
SHIN = 24.5
FOOT = 11.0

# Stroke widths: the drawing's limbs are lines with round caps, so a joint sits half a width
# above whatever it rests on.
TRUNK_WIDTH = 9.0
LIMB_WIDTH = 5.0
NOSE_WIDTH = 3.0
# Sitting with the thighs level and the shins upright, the feet rest flat on the floor: this
# fixes the height of the chair seat the sitting bones rest on.
SEATED_PELVIS_HEIGHT = SHIN + LIMB_WIDTH / 2
SEAT_HEIGHT = SEATED_PELVIS_HEIGHT - TRUNK_WIDTH / 2

SIDES = ("right", "left")
TRUNK_POINTS = ("pelvis", "waist", "neck")
ARM_POINTS = ("shoulder", "elbow", "wrist", "hand")
LEG_POINTS = ("hip", "knee", "ankle", "toe")


def _rigid_links() -> tuple[tuple[str, str, float], ...]:
    links = [
        ("pelvis", "waist", PELVIS_TO_WAIST),
        ("waist", "neck", WAIST_TO_NECK),
        ("neck", "head", NECK + HEAD_RADIUS),
    ]
    for side in SIDES:
        links += [
            ("neck", f"{side}_shoulder", math.hypot(SHOULDER_DROP, HALF_SHOULDERS)),
            (f"{side}_shoulder", f"{side}_elbow", UPPER_ARM),
            (f"{side}_elbow", f"{side}_wrist", FOREARM),
            (f"{side}_wrist", f"{side}_hand", HAND),
            ("pelvis", f"{side}_hip", HALF_HIPS),
            (f"{side}_hip", f"{side}_knee", THIGH),
            (f"{side}_knee", f"{side}_ankle", SHIN),
            (f"{side}_ankle", f"{side}_toe", FOOT),
        ]
    return tuple(links)


# Every pair of points a bone joins, with its length: the same in every pose (a rigid body).
BONES: tuple[tuple[str, str, float], ...] = _rigid_links()


def radius(point: str) -> float:
    """Return how far the drawing of a point reaches around it (half its stroke, or the head)."""
    if point == "head":
        return HEAD_RADIUS
    if point in TRUNK_POINTS:
        return TRUNK_WIDTH / 2
    if point == "nose":
        return NOSE_WIDTH / 2
    return LIMB_WIDTH / 2


@dataclass(frozen=True)
class Arm:
    """The angles of one arm."""

    shoulder: float = 0.0  # raise forward (180: straight up), negative: back
    out: float = 0.0  # raise out to the side, negative: across the body
    turn: float = 0.0  # roll the arm outward
    elbow: float = 0.0  # bend
    wrist: float = 0.0  # bend the hand the way the elbow bends


@dataclass(frozen=True)
class Leg:
    """The angles of one leg."""

    hip: float = 0.0  # lift the thigh forward, negative: back
    out: float = 0.0  # open the thigh out to the side, negative: across
    turn: float = 0.0  # roll the thigh outward (the knee opens, the foot comes across)
    knee: float = 0.0  # bend
    ankle: float = 0.0  # point the toes, negative: draw them up


@dataclass(frozen=True)
class Pose:
    """A whole-body pose: where the pelvis faces, then every joint's angles."""

    lean: float = 0.0  # tip the whole body forward from upright (90: face down, -90: on the back)
    turn: float = 0.0  # turn the whole body to its right about its own long axis
    tilt: float = 0.0  # lean the whole body toward its right side
    back: float = 0.0  # round the back (negative: arch), between the lower and upper trunk
    back_bend: float = 0.0  # bend the trunk sideways toward the right
    back_twist: float = 0.0  # turn the chest toward the right
    neck: float = 0.0  # chin toward the chest (negative: look up)
    neck_bend: float = 0.0  # right ear toward the right shoulder
    neck_turn: float = 0.0  # look toward the right
    shrug: float = 0.0  # lift both shoulders toward the ears
    right_arm: Arm = field(default_factory=Arm)
    left_arm: Arm = field(default_factory=Arm)
    right_leg: Leg = field(default_factory=Leg)
    left_leg: Leg = field(default_factory=Leg)


def _rot_x(degrees: float) -> Matrix:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))


def _rot_y(degrees: float) -> Matrix:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))


def _rot_z(degrees: float) -> Matrix:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))


def _times(a: Matrix, b: Matrix) -> Matrix:
    rows = tuple(
        (
            a[i][0] * b[0][0] + a[i][1] * b[1][0] + a[i][2] * b[2][0],
            a[i][0] * b[0][1] + a[i][1] * b[1][1] + a[i][2] * b[2][1],
            a[i][0] * b[0][2] + a[i][1] * b[1][2] + a[i][2] * b[2][2],
        )
        for i in range(3)
    )
    return rows[0], rows[1], rows[2]


def _chain(*matrices: Matrix) -> Matrix:
    result = matrices[0]
    for matrix in matrices[1:]:
        result = _times(result, matrix)
    return result


def _step(start: Vec, frame: Matrix, local: Vec) -> Vec:
    """Return `start` moved by `local`, a vector in the part's own axes."""
    x, y, z = local
    return (
        start[0] + frame[0][0] * x + frame[0][1] * y + frame[0][2] * z,
        start[1] + frame[1][0] * x + frame[1][1] * y + frame[1][2] * z,
        start[2] + frame[2][0] * x + frame[2][1] * y + frame[2][2] * z,
    )


# Standing, the foot points straight forward along the floor from the ankle.
_FOOT_LOCAL: Vec = (FOOT, 0.0, 0.0)


def joint_positions(pose: Pose) -> dict[str, Vec]:
    """Return every point of the posed body, with the pelvis at the origin.

    The points are: pelvis, waist, neck (its base, between the shoulders), head (its centre),
    nose, and for each side shoulder, elbow, wrist, hand (fingertips), hip, knee, ankle, toe.
    """
    # The pelvis and lower trunk move as one; the back joint sits at the waist.
    pelvis_frame = _chain(_rot_z(-pose.lean), _rot_y(-pose.turn), _rot_x(pose.tilt))
    chest_frame = _chain(
        pelvis_frame,
        _rot_z(-pose.back),
        _rot_x(pose.back_bend),
        _rot_y(-pose.back_twist),
    )
    head_frame = _chain(
        chest_frame, _rot_z(-pose.neck), _rot_x(pose.neck_bend), _rot_y(-pose.neck_turn)
    )
    pelvis: Vec = (0.0, 0.0, 0.0)
    waist = _step(pelvis, pelvis_frame, (0.0, PELVIS_TO_WAIST, 0.0))
    neck = _step(waist, chest_frame, (0.0, WAIST_TO_NECK, 0.0))
    head = _step(neck, head_frame, (0.0, NECK + HEAD_RADIUS, 0.0))
    points = {
        "pelvis": pelvis,
        "waist": waist,
        "neck": neck,
        "head": head,
        "nose": _step(head, head_frame, (HEAD_RADIUS + 1.5, 0.0, 0.0)),
    }
    for side, arm, leg in (
        ("right", pose.right_arm, pose.right_leg),
        ("left", pose.left_arm, pose.left_leg),
    ):
        # Mirror image: "out" and "turn" go toward +z on the right and -z on the left.
        outward = 1.0 if side == "right" else -1.0
        # A shrug swings the collarbone up about the base of the neck.
        girdle_frame = _times(chest_frame, _rot_x(-outward * pose.shrug))
        shoulder = _step(neck, girdle_frame, (0.0, -SHOULDER_DROP, outward * HALF_SHOULDERS))
        arm_frame = _chain(
            chest_frame,
            _rot_z(arm.shoulder),
            _rot_x(-outward * arm.out),
            _rot_y(-outward * arm.turn),
        )
        elbow = _step(shoulder, arm_frame, (0.0, -UPPER_ARM, 0.0))
        forearm_frame = _times(arm_frame, _rot_z(arm.elbow))
        wrist = _step(elbow, forearm_frame, (0.0, -FOREARM, 0.0))
        hand = _step(wrist, _times(forearm_frame, _rot_z(arm.wrist)), (0.0, -HAND, 0.0))
        hip = _step(pelvis, pelvis_frame, (0.0, 0.0, outward * HALF_HIPS))
        thigh_frame = _chain(
            pelvis_frame,
            _rot_z(leg.hip),
            _rot_x(-outward * leg.out),
            _rot_y(-outward * leg.turn),
        )
        knee = _step(hip, thigh_frame, (0.0, -THIGH, 0.0))
        shin_frame = _times(thigh_frame, _rot_z(-leg.knee))
        ankle = _step(knee, shin_frame, (0.0, -SHIN, 0.0))
        toe = _step(ankle, _times(shin_frame, _rot_z(-leg.ankle)), _FOOT_LOCAL)
        points |= {
            f"{side}_shoulder": shoulder,
            f"{side}_elbow": elbow,
            f"{side}_wrist": wrist,
            f"{side}_hand": hand,
            f"{side}_hip": hip,
            f"{side}_knee": knee,
            f"{side}_ankle": ankle,
            f"{side}_toe": toe,
        }
    return points


def lowest(points: Mapping[str, Vec]) -> float:
    """Return the height of the lowest edge of the drawing (each point's reach included)."""
    return min(y - radius(name) for name, (_, y, _) in points.items())


def moved(points: Mapping[str, Vec], dx: float, dy: float, dz: float = 0.0) -> dict[str, Vec]:
    """Return the points shifted by one offset."""
    return {name: (x + dx, y + dy, z + dz) for name, (x, y, z) in points.items()}


def on_floor(points: Mapping[str, Vec]) -> dict[str, Vec]:
    """Return the points lowered or raised until the body rests on the floor."""
    return moved(points, 0.0, -lowest(points))


def on_seat(points: Mapping[str, Vec]) -> dict[str, Vec]:
    """Return the points placed so the sitting bones rest on a chair seat."""
    return moved(points, 0.0, SEATED_PELVIS_HEIGHT - points["pelvis"][1])
