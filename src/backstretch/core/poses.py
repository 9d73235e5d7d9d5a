"""Poses as data: the `figure:` block of a stretch file, validated strictly like the rest.

A figure names its keyframes (for example `cow` on the in-breath and `cat` on the out-breath, or
`start` and `stretch` for a hold), the view, the props, and the angles of each pose. Angles left
out are zero; a plain name (`knee`) sets both sides and a sided name (`right_knee`) overrides it.
The keyframes show one side (`side`, the right unless said otherwise); the renderer mirrors them
for the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from backstretch.core.body import BONES, Arm, Leg, Pose
from backstretch.core.models import Position

POSE_NAME = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
# Every point of the body a prop can be placed at.
POINTS: frozenset[str] = frozenset({"nose"} | {end for bone in BONES for end in bone[:2]})


class _Strict(BaseModel):
    # Validators are built on first use (defer_build): a command that reads the compiled
    # catalogue never validates most of these models, and building them all cost ~30 ms.
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", defer_build=True)


class Phase(StrEnum):
    """The breath a keyframe belongs to.

    The same values as the timeline's `Breath`, which cannot be imported here (the timeline
    imports the catalogue, which imports this); a test keeps the two equal.
    """

    INHALE = "inhale"
    EXHALE = "exhale"
    STEADY = "steady"  # a hold, or a pause at the end of a repetition
    NONE = "none"  # getting ready, before the stretch begins


class View(StrEnum):
    """Where the figure is seen from."""

    SIDE = "side"  # from its right side, facing right
    FRONT = "front"  # from the front, its right side on the viewer's left
    THREE_QUARTER = "three_quarter"  # from its right and half toward its front, for twists
    ABOVE = "above"  # from the ceiling, for lying on one side: the bent legs show


class PropKind(StrEnum):
    """A thing drawn with the figure."""

    CHAIR = "chair"
    MAT = "mat"
    PILLOW = "pillow"
    BLOCK = "block"
    TOWEL = "towel"
    WALL = "wall"
    BED = "bed"  # lain on (no `at`), or sat on at its edge (`at: pelvis`)


class Limb(StrEnum):
    """An arm or a leg, named by its side."""

    RIGHT_ARM = "right_arm"
    LEFT_ARM = "left_arm"
    RIGHT_LEG = "right_leg"
    LEFT_LEG = "left_leg"


class ChairBack(StrEnum):
    """Where a chair's backrest is, seen from the person on it or holding it."""

    BEHIND = "behind"
    FRONT = "front"
    RIGHT = "right"
    LEFT = "left"


# Degree ranges a little past what a body does, so a typing slip is caught but a pose is not.
_Whole = Annotated[int, Field(ge=-180, le=180)] | None
_Half = Annotated[int, Field(ge=-90, le=90)] | None
_Back = Annotated[int, Field(ge=-60, le=90)] | None
_Bend = Annotated[int, Field(ge=-60, le=60)] | None
_Neck = Annotated[int, Field(ge=-70, le=80)] | None
_Shrug = Annotated[int, Field(ge=-10, le=40)] | None
_Shoulder = Annotated[int, Field(ge=-90, le=190)] | None
_Reach = Annotated[int, Field(ge=-90, le=180)] | None
_Elbow = Annotated[int, Field(ge=0, le=160)] | None
_Hip = Annotated[int, Field(ge=-45, le=170)] | None
_HipOut = Annotated[int, Field(ge=-45, le=90)] | None
_Knee = Annotated[int, Field(ge=0, le=165)] | None
_Ankle = Annotated[int, Field(ge=-45, le=90)] | None


class Angles(_Strict):
    """Joint angles in whole degrees (see `body` for what each one does)."""

    lean: _Whole = None
    turn: _Whole = None
    tilt: _Half = None
    back: _Back = None
    back_bend: _Bend = None
    back_twist: _Half = None
    neck: _Neck = None
    neck_bend: _Bend = None
    neck_turn: _Half = None
    shrug: _Shrug = None
    shoulder: _Shoulder = None
    right_shoulder: _Shoulder = None
    left_shoulder: _Shoulder = None
    shoulder_out: _Reach = None
    right_shoulder_out: _Reach = None
    left_shoulder_out: _Reach = None
    shoulder_turn: _Half = None
    right_shoulder_turn: _Half = None
    left_shoulder_turn: _Half = None
    elbow: _Elbow = None
    right_elbow: _Elbow = None
    left_elbow: _Elbow = None
    wrist: _Half = None
    right_wrist: _Half = None
    left_wrist: _Half = None
    hip: _Hip = None
    right_hip: _Hip = None
    left_hip: _Hip = None
    hip_out: _HipOut = None
    right_hip_out: _HipOut = None
    left_hip_out: _HipOut = None
    hip_turn: _Half = None
    right_hip_turn: _Half = None
    left_hip_turn: _Half = None
    knee: _Knee = None
    right_knee: _Knee = None
    left_knee: _Knee = None
    ankle: _Ankle = None
    right_ankle: _Ankle = None
    left_ankle: _Ankle = None

    @model_serializer(mode="wrap")
    def _only_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, int]:
        # A pose names a handful of its 39 angles; writing out the rest as null would bury them.
        return {name: value for name, value in handler(self).items() if value is not None}

    def _sided(self, side: str, joint: str) -> float:
        value = getattr(self, f"{side}_{joint}")
        if value is None:
            value = getattr(self, joint)
        return float(value or 0)

    def pose(self) -> Pose:
        """Return the body pose these angles describe."""

        def arm(side: str) -> Arm:
            return Arm(
                shoulder=self._sided(side, "shoulder"),
                out=self._sided(side, "shoulder_out"),
                turn=self._sided(side, "shoulder_turn"),
                elbow=self._sided(side, "elbow"),
                wrist=self._sided(side, "wrist"),
            )

        def leg(side: str) -> Leg:
            return Leg(
                hip=self._sided(side, "hip"),
                out=self._sided(side, "hip_out"),
                turn=self._sided(side, "hip_turn"),
                knee=self._sided(side, "knee"),
                ankle=self._sided(side, "ankle"),
            )

        return Pose(
            lean=float(self.lean or 0),
            turn=float(self.turn or 0),
            tilt=float(self.tilt or 0),
            back=float(self.back or 0),
            back_bend=float(self.back_bend or 0),
            back_twist=float(self.back_twist or 0),
            neck=float(self.neck or 0),
            neck_bend=float(self.neck_bend or 0),
            neck_turn=float(self.neck_turn or 0),
            shrug=float(self.shrug or 0),
            right_arm=arm("right"),
            left_arm=arm("left"),
            right_leg=leg("right"),
            left_leg=leg("left"),
        )


class Keyframe(_Strict):
    """One named pose, the breath it belongs to, and what it shows in words."""

    name: Annotated[str, Field(pattern=POSE_NAME, max_length=30)]
    phase: Phase
    shows: Annotated[str, Field(min_length=1, max_length=160)] = Field(
        description="What the figure shows, for people who cannot see it, e.g. 'on hands and "
        "knees, back rounded up toward the ceiling'."
    )
    angles: Angles = Angles()


class Prop(_Strict):
    """A thing drawn with the figure, placed at a point of the body."""

    kind: PropKind
    at: str | None = Field(
        default=None,
        description="The body point it supports or is held at, e.g. head, pelvis, right_hand.",
    )
    back: ChairBack = ChairBack.BEHIND

    @field_validator("at")
    @classmethod
    def _known_point(cls, value: str | None) -> str | None:
        if value is not None and value not in POINTS:
            raise ValueError(
                f"unknown body point '{value}'; use one of {', '.join(sorted(POINTS))}"
            )
        return value

    @model_validator(mode="after")
    def _placed(self) -> Self:
        needs_point = self.kind in (PropKind.PILLOW, PropKind.BLOCK, PropKind.TOWEL)
        if needs_point and self.at is None:
            raise ValueError(f"a {self.kind} needs `at`: the body point it supports")
        if self.kind in (PropKind.MAT, PropKind.WALL) and self.at is not None:
            raise ValueError(f"a {self.kind} takes no `at`: it lies under or behind the figure")
        if self.kind is PropKind.BED and self.at not in (None, "pelvis"):
            raise ValueError(
                "a bed takes no `at` when lain on, or `at: pelvis` when sat on at its edge"
            )
        if self.kind is not PropKind.CHAIR and self.back is not ChairBack.BEHIND:
            raise ValueError("only a chair has a `back`")
        return self


class Figure(_Strict):
    """How to draw a stretch: its keyframes, the view and the props."""

    view: View = View.SIDE
    side: Literal["left", "right"] = Field(
        default="right",
        description="The side the keyframes show; the other side is drawn as their mirror image.",
    )
    key: Annotated[str, Field(pattern=POSE_NAME)] | None = Field(
        default=None,
        description="The keyframe that best shows the stretch (the last one when left out).",
    )
    seen_from: Literal["left", "right"] = Field(
        default="right",
        description="The side of the body the camera stands at in a side or three-quarter view: "
        "the one that brings the moving limb in front of the body.",
    )
    moves: tuple[Limb, ...] | None = Field(
        default=None,
        description="The limbs drawn in the moving colour, e.g. [right_arm]; left out, the limbs "
        "that move between keyframes.",
    )
    props: tuple[Prop, ...] = ()
    keyframes: Annotated[tuple[Keyframe, ...], Field(min_length=1, max_length=4)]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [frame.name for frame in self.keyframes]
        if len(set(names)) != len(names):
            raise ValueError("two keyframes share a name")
        phases = [frame.phase for frame in self.keyframes]
        if len(set(phases)) != len(phases):
            raise ValueError("two keyframes share a breath phase")
        if self.seen_from != "right" and self.view not in (View.SIDE, View.THREE_QUARTER):
            raise ValueError("`seen_from` is for a side or three-quarter view")
        if self.key is not None and self.key not in names:
            raise ValueError(f"key '{self.key}' is not one of the keyframes: {', '.join(names)}")
        return self

    @property
    def key_frame(self) -> Keyframe:
        """Return the keyframe that best shows the stretch."""
        return self.keyframe(self.key) if self.key else self.keyframes[-1]

    def keyframe(self, name: str) -> Keyframe:
        """Return the keyframe with this name, or raise `KeyError`."""
        for frame in self.keyframes:
            if frame.name == name:
                return frame
        raise KeyError(name)

    def for_phase(self, phase: Phase) -> Keyframe:
        """Return the keyframe to show during a breath phase.

        A phase without its own keyframe shows the first pose while getting ready and the key
        pose otherwise (a hold's steady breathing, or a pause the figure does not draw).
        """
        for frame in self.keyframes:
            if frame.phase is phase:
                return frame
        return self.keyframes[0] if phase is Phase.NONE else self.key_frame

    def phases_of(self, frame: Keyframe) -> tuple[Phase, ...]:
        """Return every breath phase during which `frame` is the one shown."""
        return tuple(phase for phase in Phase if self.for_phase(phase).name == frame.name)


_MAT = (Prop(kind=PropKind.MAT),)


def _plain(
    shows: str, props: tuple[Prop, ...] = _MAT, view: View = View.SIDE, **angles: int
) -> Figure:
    keyframe = Keyframe(name="rest", phase=Phase.STEADY, shows=shows, angles=Angles(**angles))
    return Figure(view=view, props=props, keyframes=(keyframe,))


# A resting pose for each position: drawn, greyed, for a stretch that brings no figure.
_PLAIN_FIGURES: Mapping[Position, Figure] = {
    Position.STANDING: _plain("standing tall", ()),
    Position.CHAIR: _plain(
        "sitting on a chair", (Prop(kind=PropKind.CHAIR, at="pelvis"),), hip=90, knee=90
    ),
    Position.FLOOR_SEATED: _plain("sitting on the floor, legs long", hip=90, shoulder=20, elbow=45),
    Position.KNEELING: _plain("kneeling upright", knee=90, ankle=90, shoulder=15, elbow=25),
    Position.ALL_FOURS: _plain(
        "on hands and knees", lean=70, hip=70, knee=90, ankle=90, shoulder=70, wrist=90
    ),
    Position.SIDE_LYING: _plain(
        "lying on one side, knees bent",
        (*_MAT, Prop(kind=PropKind.PILLOW, at="head")),
        View.ABOVE,
        lean=-90,
        turn=-90,
        back_bend=15,
        hip=40,
        knee=60,
        neck_bend=-15,
        left_shoulder=150,
        left_elbow=160,
        right_shoulder=20,
        right_elbow=20,
    ),
    Position.PRONE: _plain("lying face down", lean=90, hip=5, knee=5, ankle=90, neck=-25),
    Position.SUPINE: _plain(
        "lying on the back, knees bent", lean=-90, neck=10, hip=45, knee=97, ankle=38
    ),
}


def plain_figure(position: Position) -> Figure:
    """Return a resting figure for a position, for a stretch that brings no poses of its own."""
    return _PLAIN_FIGURES[position]
