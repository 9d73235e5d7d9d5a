"""Plain-language descriptions of a dose, shared by every interface."""

from __future__ import annotations

from backstretch.core.catalogue import Dose, Stretch
from backstretch.core.models import Kind, Sides

_SIDES_TEXT = {
    Sides.BILATERAL: "",
    Sides.EACH: " each side",
    Sides.ALTERNATING: " alternating sides",
}


def describe_dose(stretch: Stretch, dose: Dose | None = None) -> str:
    """Return a short summary such as '30 s hold × 2 each side' or '10 reps (3 s in, 3 s out)'."""
    dose = dose or stretch.dose
    if stretch.kind is Kind.HOLD:
        text = f"{dose.hold_seconds} s hold"
        if dose.reps > 1:
            text += f" × {dose.reps}"
    else:
        assert dose.tempo is not None  # guaranteed by catalogue validation
        tempo = dose.tempo
        text = f"{dose.reps} reps ({tempo.inhale} s in, {tempo.exhale} s out"
        text += f", {tempo.hold} s hold)" if tempo.hold else ")"
    text += _SIDES_TEXT[dose.sides]
    if dose.sets > 1:
        text += f", {dose.sets} sets"
    return text


def describe_dose_short(stretch: Stretch, dose: Dose | None = None) -> str:
    """Return a compact summary for narrow tables, such as '30 s × 2 each side'."""
    dose = dose or stretch.dose
    if stretch.kind is Kind.HOLD:
        text = f"{dose.hold_seconds} s" + (f" × {dose.reps}" if dose.reps > 1 else "")
    else:
        text = f"{dose.reps} reps"
    text += _SIDES_TEXT[dose.sides].replace(" alternating sides", ", alternating")
    if dose.sets > 1:
        text += f", {dose.sets} sets"
    return text
