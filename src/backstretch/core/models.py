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


class Place(StrEnum):
    """Where a way of doing a stretch happens; a person's setting picks among them."""

    STANDING = "standing"
    CHAIR = "chair"  # sitting on a chair
    BED_EDGE = "bed_edge"  # sitting on the edge of a bed
    FLOOR = "floor"  # on a mat on the floor
    BED = "bed"  # lying or sitting on a bed


# The positions each place allows: standing is standing, both seats are sitting, and the floor
# and a bed hold every position that is not standing or seated.
LOW_POSITIONS: frozenset[Position] = frozenset(
    {
        Position.FLOOR_SEATED,
        Position.KNEELING,
        Position.ALL_FOURS,
        Position.PRONE,
        Position.SUPINE,
        Position.SIDE_LYING,
    }
)
PLACE_POSITIONS: dict[Place, frozenset[Position]] = {
    Place.STANDING: frozenset({Position.STANDING}),
    Place.CHAIR: frozenset({Position.CHAIR}),
    Place.BED_EDGE: frozenset({Position.CHAIR}),
    Place.FLOOR: LOW_POSITIONS,
    Place.BED: LOW_POSITIONS,
}


def place_of(position: Position) -> Place:
    """Return the usual place of a position (a stretch given with only its position)."""
    if position is Position.STANDING:
        return Place.STANDING
    if position is Position.CHAIR:
        return Place.CHAIR
    return Place.FLOOR


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
    SIDE_BEND = "side_bend"
    CLOSED_TWIST = "closed_twist"
    NECK_END_RANGE = "neck_end_range"
    NECK_OVERPRESSURE = "neck_overpressure"
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


# The sources agree that a single hold should never pass one minute (SEEDS.md §1, §4).
MIN_HOLD_SECONDS = 5
MAX_HOLD_SECONDS = 60
MAX_SETS = 3
