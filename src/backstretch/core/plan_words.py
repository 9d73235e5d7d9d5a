"""How a plan is put in words, the same in the terminal and in the browser."""

from __future__ import annotations

from collections.abc import Sequence

from backstretch.core.timeline import RoutineItem


def clock_minutes(seconds: int) -> str:
    """Return seconds as minutes and seconds, such as '4:05'."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def dose_words(item: RoutineItem) -> str:
    """Return an item's dose, such as '30 s × 2, 2 sets' or '10 reps'."""
    dose = item.dose
    text = f"{dose.hold_seconds} s" if dose.hold_seconds is not None else f"{dose.reps} reps"
    if dose.hold_seconds is not None and dose.reps > 1:
        text += f" × {dose.reps}"
    if dose.sets > 1:
        text += f", {dose.sets} sets"
    return text


def sides_words(item: RoutineItem) -> str:
    """Return how an item uses the sides, in words ('' when both sides work at once)."""
    return {"each": "each side", "alternating": "alternating sides"}.get(item.dose.sides.value, "")


# What a restriction leaves out, told by the movement: never the name of a condition.
RESTRICTION_WORDS = {
    "osteoporosis": "it bends, twists or presses the spine or neck to its limit",
    "pregnant": "its position or pressure on the belly is left out during pregnancy",
    "stenosis_or_spondylolisthesis": "it holds the back arched",
    "disc_with_leg_pain": "it rounds the back or sits with straight legs",
    "knee_pain_kneeling": "it puts weight on the knees",
    "wrist_pain": "it puts weight through the hands",
    "no_floor": "it means getting down to the floor",
    "neck_gentle": "it takes the neck to its limit, tips the head back or adds a hand's pull",
    "post_surgery": "it bends, twists or arches the spine to its limit",
    "neck_circles": "full neck circles are never part of a routine",
}

REASON_WORDS = {
    "restriction": "{id}",
    "setting": "not possible in the {id} setting",
    "preference": "you asked to avoid it",
    "level": "above the {id} level",
    "time": "no time left",
    "eased": "easing off {id}",
}
EASED_WORDS = {"pain_or_stop": "after more pain or a stop"}


def _reason_id_words(reason: dict[str, str]) -> str:
    if reason["kind"] == "eased":
        if reason["id"].startswith("resting_until_"):
            return f"after a stop: resting until {reason['id'].removeprefix('resting_until_')}"
        return EASED_WORDS.get(reason["id"], reason["id"])
    if reason["kind"] == "restriction":
        return RESTRICTION_WORDS.get(reason["id"], reason["id"].replace("_", " "))
    return reason["id"].replace("_", " ")


def reason_text(reasons: Sequence[dict[str, str]]) -> str:
    """Return the reasons a stretch was swapped or left out, in words."""
    words = [REASON_WORDS[r["kind"]].format(id=_reason_id_words(r)) for r in reasons]
    return "; ".join(dict.fromkeys(words))
