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


REASON_WORDS = {
    "restriction": "because of {id}",
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
    return reason["id"].replace("_", " ")


def reason_text(reasons: Sequence[dict[str, str]]) -> str:
    """Return the reasons a stretch was swapped or left out, in words."""
    words = [REASON_WORDS[r["kind"]].format(id=_reason_id_words(r)) for r in reasons]
    return "; ".join(dict.fromkeys(words))
