"""From a routine to a millisecond-exact timeline that every player follows.

Segments are contiguous, start at 0, and their durations sum exactly to the routine's length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backstretch.core.catalogue import Catalogue, Stretch, Tempo, Way
from backstretch.core.models import Kind, Sides


class SegmentKind(StrEnum):
    """What happens during a segment."""

    GET_READY = "get_ready"
    HOLD = "hold"
    REP = "rep"
    SWITCH_SIDE = "switch_side"
    REST = "rest"
    TRANSITION = "transition"
    DONE = "done"


class Breath(StrEnum):
    """The breath cue; a hold is "breathe slowly", never "hold your breath"."""

    INHALE = "inhale"
    EXHALE = "exhale"
    STEADY = "steady"
    NONE = "none"


@dataclass(frozen=True)
class TimelineSettings:
    """Seconds for the parts of a session around the stretching itself."""

    lead_in_seconds: int = 5
    transition_seconds: int = 10
    rest_between_sets_seconds: int = 15
    rest_between_holds_seconds: int = 5


@dataclass(frozen=True)
class ItemDose:
    """The dose one routine item is done at (it may differ from the catalogue default)."""

    sets: int
    reps: int
    sides: Sides
    hold_seconds: int | None = None
    tempo: Tempo | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the dose as JSON-ready data."""
        return {
            "sets": self.sets,
            "reps": self.reps,
            "sides": self.sides.value,
            "hold_seconds": self.hold_seconds,
        }


@dataclass(frozen=True)
class RoutineItem:
    """One stretch at one dose, done one of its ways."""

    stretch: Stretch
    dose: ItemDose
    way: Way

    @classmethod
    def usual(cls, stretch: Stretch, dose: ItemDose | None = None) -> RoutineItem:
        """Return the stretch done its usual way, at `dose` or its default dose."""
        return cls(stretch, dose or default_dose(stretch), stretch.usual_way)


def default_dose(stretch: Stretch) -> ItemDose:
    """Return the catalogue's default dose for a stretch."""
    dose = stretch.dose
    return ItemDose(
        sets=dose.sets,
        reps=dose.reps,
        sides=dose.sides,
        hold_seconds=dose.hold_seconds,
        tempo=dose.tempo,
    )


@dataclass(frozen=True)
class Segment:
    """A stretch of time with one instruction; offsets are milliseconds from the start."""

    start_ms: int
    duration_ms: int
    kind: SegmentKind
    stretch: str | None
    set: int | None
    rep: int | None
    side: str | None
    cue: str
    breath: Breath

    @property
    def end_ms(self) -> int:
        """Return when the segment ends."""
        return self.start_ms + self.duration_ms

    def to_json(self) -> dict[str, Any]:
        """Return the segment as JSON-ready data."""
        return {
            "start_ms": self.start_ms,
            "duration_ms": self.duration_ms,
            "kind": self.kind.value,
            "stretch": self.stretch,
            "set": self.set,
            "rep": self.rep,
            "side": self.side,
            "cue": self.cue,
            "breath": self.breath.value,
        }


# (kind, seconds, set, rep, side, cue, breath) before offsets are assigned.
_Step = tuple[SegmentKind, int, int | None, int | None, str | None, str, Breath]


def _moves(way: Way, previous: Way | None) -> bool:
    """Tell whether going from `previous` to `way` means changing position or place."""
    return previous is not None and (way.position, way.place) != (previous.position, previous.place)


_CLAUSE = re.compile(r";\s*|,\s*(?:and\s+)?")


def breath_cue(stretch: Stretch, phase: Breath) -> str:
    """Return the stretch's own words for breathing in (or out), else a plain cue.

    The catalogue writes the breath as the movement goes ("Breathe out as you reach; breathe
    in as you return"), so the clause that starts with the phase is picked, whatever its order.
    """
    wanted = "breathe in" if phase is Breath.INHALE else "breathe out"
    for line in stretch.breath:
        for clause in _CLAUSE.split(line.strip().rstrip(".")):
            if clause.lower().startswith(wanted + " ") or clause.lower() == wanted:
                return clause[0].upper() + clause[1:] + "."
    return "Breathe in." if phase is Breath.INHALE else "Breathe out."


def item_steps(item: RoutineItem, previous: Way | None, settings: TimelineSettings) -> list[_Step]:
    """Return the steps of one item, including its transition and get-ready lead-in."""
    stretch, dose, way = item.stretch, item.dose, item.way
    steps: list[_Step] = []
    if _moves(way, previous):
        steps.append(
            (
                SegmentKind.TRANSITION,
                settings.transition_seconds,
                None,
                None,
                None,
                f"Change position. {way.setup[0]}",
                Breath.NONE,
            )
        )
    sides: list[str | None] = ["left", "right"] if dose.sides is Sides.EACH else [None]
    for set_number in range(1, dose.sets + 1):
        if set_number > 1:
            steps.append(
                (
                    SegmentKind.REST,
                    settings.rest_between_sets_seconds,
                    set_number - 1,
                    None,
                    None,
                    f"Rest. Set {set_number} of {dose.sets} comes next.",
                    Breath.STEADY,
                )
            )
        for side_index, side in enumerate(sides):
            if set_number == 1 and side_index == 0:
                on_side = f" Start on the {side} side." if side else ""
                steps.append(
                    (
                        SegmentKind.GET_READY,
                        settings.lead_in_seconds,
                        set_number,
                        None,
                        side,
                        f"Get ready: {stretch.name}. {way.setup[0]}{on_side}",
                        Breath.NONE,
                    )
                )
            elif side is not None:
                # Every change of side is announced, including back to the left for a new set.
                cue = (
                    f"Switch to the {side} side."
                    if side_index > 0
                    else f"Back to the {side} side for set {set_number}."
                )
                steps.append(
                    (
                        SegmentKind.SWITCH_SIDE,
                        settings.lead_in_seconds,
                        set_number,
                        None,
                        side,
                        cue,
                        Breath.NONE,
                    )
                )
            steps += _work_steps(item, set_number, side, settings)
    return steps


def _work_steps(
    item: RoutineItem, set_number: int, side: str | None, settings: TimelineSettings
) -> list[_Step]:
    stretch, dose = item.stretch, item.dose
    steps: list[_Step] = []
    if stretch.kind is Kind.HOLD:
        assert dose.hold_seconds is not None  # a hold always has its seconds
        for rep in range(1, dose.reps + 1):
            if rep > 1:
                steps.append(
                    (
                        SegmentKind.REST,
                        settings.rest_between_holds_seconds,
                        set_number,
                        rep - 1,
                        side,
                        "Ease out of it and breathe.",
                        Breath.STEADY,
                    )
                )
            cue = stretch.form_cues[(rep - 1) % len(stretch.form_cues)]
            steps.append(
                (
                    SegmentKind.HOLD,
                    dose.hold_seconds,
                    set_number,
                    rep,
                    side,
                    f"Hold and breathe slowly. {cue}",
                    Breath.STEADY,
                )
            )
        return steps
    tempo = dose.tempo
    assert tempo is not None  # reps always have a tempo
    for rep in range(1, dose.reps + 1):
        rep_side = side
        if dose.sides is Sides.ALTERNATING:
            rep_side = "left" if rep % 2 else "right"
        inhale = breath_cue(stretch, Breath.INHALE)
        exhale = breath_cue(stretch, Breath.EXHALE)
        steps.append(
            (SegmentKind.REP, tempo.inhale, set_number, rep, rep_side, inhale, Breath.INHALE)
        )
        steps.append(
            (SegmentKind.REP, tempo.exhale, set_number, rep, rep_side, exhale, Breath.EXHALE)
        )
        if tempo.hold:
            steps.append(
                (
                    SegmentKind.REP,
                    tempo.hold,
                    set_number,
                    rep,
                    rep_side,
                    "Stay here and breathe slowly.",
                    Breath.STEADY,
                )
            )
    return steps


def item_seconds(item: RoutineItem, previous: Way | None, settings: TimelineSettings) -> int:
    """Return how long one item takes, its transition and lead-in included.

    Arithmetic rather than building the steps, because the planner asks this thousands of
    times; the tests check it against the timeline segment by segment.
    """
    stretch, dose = item.stretch, item.dose
    sides = 2 if dose.sides is Sides.EACH else 1
    if stretch.kind is Kind.HOLD:
        assert dose.hold_seconds is not None  # a hold always has its seconds
        work = dose.reps * dose.hold_seconds + (dose.reps - 1) * settings.rest_between_holds_seconds
    else:
        assert dose.tempo is not None  # reps always have a tempo
        work = dose.reps * dose.tempo.seconds
    # One get-ready, then a side announcement at every change of side after it.
    announcements = 1 + (sides - 1) + (dose.sets - 1) * (sides if sides > 1 else 0)
    seconds = (
        announcements * settings.lead_in_seconds
        + (dose.sets - 1) * settings.rest_between_sets_seconds
        + dose.sets * sides * work
    )
    if _moves(item.way, previous):
        seconds += settings.transition_seconds
    return seconds


def routine_seconds(items: Sequence[RoutineItem], settings: TimelineSettings) -> int:
    """Return how long a whole routine takes."""
    total, previous = 0, None
    for item in items:
        total += item_seconds(item, previous, settings)
        previous = item.way
    return total


def timeline(
    items: Sequence[RoutineItem], settings: TimelineSettings | None = None
) -> tuple[Segment, ...]:
    """Return the contiguous segments of a routine, ending with a zero-length `done`."""
    settings = settings or TimelineSettings()
    segments: list[Segment] = []
    offset_ms = 0
    previous: Way | None = None
    for item in items:
        for kind, seconds, set_number, rep, side, cue, breath in item_steps(
            item, previous, settings
        ):
            segments.append(
                Segment(
                    start_ms=offset_ms,
                    duration_ms=seconds * 1000,
                    kind=kind,
                    stretch=item.stretch.id,
                    set=set_number,
                    rep=rep,
                    side=side,
                    cue=cue,
                    breath=breath,
                )
            )
            offset_ms += seconds * 1000
        previous = item.way
    segments.append(
        Segment(
            start_ms=offset_ms,
            duration_ms=0,
            kind=SegmentKind.DONE,
            stretch=None,
            set=None,
            rep=None,
            side=None,
            cue="All done. Well done for making the time.",
            breath=Breath.NONE,
        )
    )
    return tuple(segments)


def spoken(segment: Segment, catalogue: Catalogue) -> str:
    """Return the words to speak when a segment begins: short, the cue itself."""
    if segment.kind is SegmentKind.REP and segment.breath is Breath.INHALE:
        return "Breathe in."
    if segment.kind is SegmentKind.REP and segment.breath is Breath.EXHALE:
        return "Breathe out."
    if segment.kind is SegmentKind.GET_READY and segment.stretch:
        name = catalogue.get(segment.stretch).name
        side = f", {segment.side} side" if segment.side else ""
        return f"Get ready: {name}{side}."
    if segment.kind is SegmentKind.HOLD:
        return "Hold, and breathe slowly."
    return segment.cue
