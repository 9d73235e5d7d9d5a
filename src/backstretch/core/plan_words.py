"""How a plan is put in words, the same in the terminal and in the browser."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backstretch.core.durations import minutes
from backstretch.core.timeline import RoutineItem

if TYPE_CHECKING:
    from backstretch.core.planner import Plan


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


def full_dose_words(item: RoutineItem) -> str:
    """Return an item's dose with its sides, such as '30 s × 2 each side' or '10 reps'."""
    return " ".join(filter(None, (dose_words(item), sides_words(item))))


# The setting in the summary line: a word or two, as a person would say where they are.
SETTING_WORDS = {"floor": "floor", "chair": "chair", "standing": "standing", "bed": "in bed"}


def summary_line(total_seconds: int, count: int, setting: str) -> str:
    """Return a plan in one line, such as '10 min · 8 stretches · chair'."""
    stretches = "1 stretch" if count == 1 else f"{count} stretches"
    return f"{minutes(total_seconds)} · {stretches} · {SETTING_WORDS.get(setting, setting)}"


SHORT_LIST = 2  # names shown in a one-line summary before "and N more"


def names_line(names: Sequence[str]) -> str:
    """Return a few names in a short phrase: 'A', 'A and B', 'A, B and 3 more'."""
    if len(names) <= SHORT_LIST:
        return " and ".join(names)
    return f"{', '.join(names[:SHORT_LIST])} and {len(names) - SHORT_LIST} more"


def swaps_line(from_names: Sequence[str]) -> str:
    """Return the one short line about the stretches swapped for safety or the setting."""
    return f"Swapped for you: {names_line(from_names)}"


def left_out_line(names: Sequence[str]) -> str:
    """Return the one short line about the stretches left out for safety or the setting."""
    return f"Left out: {names_line(names)}"


def swap_detail(from_name: str, to_name: str, reasons: Sequence[dict[str, str]]) -> str:
    """Return one swap in full: 'Cat-cow → Seated cat-cow: it puts weight on the knees'."""
    return f"{from_name} → {to_name}: {reason_text(reasons)}"


def left_out_detail(name: str, reasons: Sequence[dict[str, str]]) -> str:
    """Return one stretch left out in full: 'Cobra: it holds the back arched'."""
    return f"{name}: {reason_text(reasons)}"


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


@dataclass(frozen=True)
class PlanNotes:
    """What the planner changed for safety or the setting: a short line each, and the details."""

    swaps: str | None
    swap_details: tuple[str, ...]
    left_out: str | None
    left_out_details: tuple[str, ...]


def plan_notes(plan: Plan, name: Callable[[str], str]) -> PlanNotes:
    """Return the notes on a plan's swaps and the stretches it left out (not those left out
    only for time: the plan is simply full), with `name` giving a stretch's name by id."""
    swaps = plan.swaps
    excluded = [e for e in plan.excluded if any(r.kind.value != "time" for r in e.reasons)]
    swap_from = [name(s.from_id) for s in swaps]
    left_out = [name(e.stretch) for e in excluded]
    return PlanNotes(
        swaps=swaps_line(swap_from) if swaps else None,
        swap_details=tuple(
            swap_detail(name(s.from_id), name(s.to_id), [r.to_json() for r in s.reasons])
            for s in swaps
        ),
        left_out=left_out_line(left_out) if excluded else None,
        left_out_details=tuple(
            left_out_detail(name(e.stretch), [r.to_json() for r in e.reasons]) for e in excluded
        ),
    )
