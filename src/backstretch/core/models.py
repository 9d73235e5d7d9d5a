"""Vocabulary shared by every part of the core: regions, positions, movement tags, doses."""

from __future__ import annotations

from enum import StrEnum


class Region(StrEnum):
    """Where a stretch is felt, and where a person says it hurts."""

    NECK_SHOULDERS = "neck_shoulders"
    UPPER_BACK = "upper_back"
    MID_BACK = "mid_back"
    LOWER_BACK = "lower_back"
    HIPS = "hips"


class Position(StrEnum):
    """The body position a stretch is done in."""

    STANDING = "standing"
    CHAIR = "chair"
    FLOOR_SEATED = "floor_seated"
    KNEELING = "kneeling"
    ALL_FOURS = "all_fours"
    SIDE_LYING = "side_lying"
    PRONE = "prone"
    SUPINE = "supine"


class Kind(StrEnum):
    """A hold is static; reps are a movement repeated at a breath-paced tempo."""

    HOLD = "hold"
    REPS = "reps"


class Sides(StrEnum):
    """How a stretch uses the left and right side."""

    BILATERAL = "bilateral"  # both sides at once, or no side at all
    EACH = "each"  # the whole dose on one side, then the whole dose on the other
    ALTERNATING = "alternating"  # left, right, left, right within the reps


class Level(StrEnum):
    """How demanding a stretch is; also the level a person asks for."""

    GENTLE = "gentle"
    STANDARD = "standard"
    ADVANCED = "advanced"


class Movement(StrEnum):
    """Movement tags from SCREENING.md; the safety rules act on these."""

    SPINAL_FLEXION = "spinal_flexion"
    SUSTAINED_EXTENSION = "sustained_extension"
    END_RANGE_ROTATION = "end_range_rotation"
    DEEP_BEND = "deep_bend"
    LONG_SIT = "long_sit"
    KNEELING = "kneeling"
    HANDS_WEIGHT = "hands_weight"
    SUPINE = "supine"
    PRONE = "prone"
    FLOOR = "floor"
    NECK_EXTENSION = "neck_extension"
    NECK_CIRCLE = "neck_circle"


class Equipment(StrEnum):
    """Things a stretch may need or use."""

    MAT = "mat"
    CHAIR = "chair"
    PILLOW = "pillow"
    TOWEL = "towel"
    BLOCK = "block"
    WALL = "wall"
    STRAP = "strap"


# Positions that need the person to get down to the floor; the `floor` tag must be on them.
FLOOR_POSITIONS: frozenset[Position] = frozenset(
    {
        Position.FLOOR_SEATED,
        Position.KNEELING,
        Position.ALL_FOURS,
        Position.PRONE,
        Position.SUPINE,
        Position.SIDE_LYING,
    }
)

# The sources agree that a single hold should never pass one minute (SEEDS.md §1, §4).
MIN_HOLD_SECONDS = 5
MAX_HOLD_SECONDS = 60
MAX_SETS = 3
