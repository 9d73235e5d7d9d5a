"""From a routine to a millisecond-exact timeline that every player follows.

Segments are contiguous, start at 0, and their durations sum exactly to the routine's length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from backstretch.core.catalogue import Catalogue, Stretch, Tempo, Way
from backstretch.core.mirror import for_side, sides_named
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


class RepPhase(StrEnum):
    """The part of a repetition: moving into it, staying there, coming back."""

    MOVE = "move"
    STAY = "stay"
    RETURN = "return"


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
    # The holds or repetitions in this set (on this side), for a rep counter: "Rep 3 of 10".
    reps: int | None = None
    # The side in a few words ("right leg back", else "right side"), for one-sided work.
    side_label: str | None = None
    phase: RepPhase | None = None  # for a repetition: move, stay or return

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
            "reps": self.reps,
            "side_label": self.side_label,
            "phase": None if self.phase is None else self.phase.value,
        }


STAY_CUE = "Stay here and breathe slowly."


@dataclass(frozen=True)
class _Step:
    """A segment before its offset is known."""

    kind: SegmentKind
    seconds: int
    set: int | None
    rep: int | None
    side: str | None
    cue: str
    breath: Breath
    reps: int | None = None
    phase: RepPhase | None = None
    label: str | None = None  # the side's words, when the segment itself has no side


def _moves(way: Way, previous: Way | None) -> bool:
    """Tell whether going from `previous` to `way` means changing position or place."""
    return previous is not None and (way.position, way.place) != (previous.position, previous.place)


_CLAUSE = re.compile(r";\s*|,\s*(?:and\s+)?")
_BREATHING = re.compile(r"^\s*breathing (in|out)\b", re.IGNORECASE)
# A clause about the second breath that keeps still (neck half-circles: "as you pause there")
# is a stay, not a way back.
_STILL = re.compile(r"\b(pause|stay|still)\b", re.IGNORECASE)


def _clause(stretch: Stretch, phase: Breath) -> str | None:
    """Return the stretch's own clause for breathing in (or out), without its full stop."""
    wanted = "breathe in" if phase is Breath.INHALE else "breathe out"
    for line in stretch.breath:
        for clause in _CLAUSE.split(line.strip().rstrip(".")):
            if clause.lower().startswith(wanted + " ") or clause.lower() == wanted:
                return clause[0].upper() + clause[1:]
    return None


def breath_cue(stretch: Stretch, phase: Breath) -> str:
    """Return the stretch's own words for breathing in (or out), else a plain cue.

    The catalogue writes the breath as the movement goes ("Breathe out as you reach; breathe
    in as you return"), so the clause that starts with the phase is picked, whatever its order.
    """
    clause = _clause(stretch, phase)
    if clause is not None:
        return clause + "."
    return "Breathe in." if phase is Breath.INHALE else "Breathe out."


def move_breath(stretch: Stretch, way: Way) -> Breath:
    """Return the breath a repetition moves on: the one its first movement step names.

    The steps shown to the person say "Breathing out, slide your right leg back", so the
    timeline starts each rep with that breath; the other breath brings the body back. A stretch
    whose steps name no breath falls back on its first breath line, then on breathing in.
    """
    for step in stretch.movement_of(way):
        if found := _BREATHING.match(step):
            return Breath.INHALE if found.group(1).lower() == "in" else Breath.EXHALE
    for line in stretch.breath:
        for clause in _CLAUSE.split(line.strip()):
            lowered = clause.lower()
            if lowered.startswith("breathe in"):
                return Breath.INHALE
            if lowered.startswith("breathe out"):
                return Breath.EXHALE
    return Breath.INHALE


def other_breath(breath: Breath) -> Breath:
    """Return the opposite breath of a repetition."""
    return Breath.EXHALE if breath is Breath.INHALE else Breath.INHALE


def second_phase(stretch: Stretch, way: Way) -> RepPhase:
    """Return what the second breath of a repetition does: come back, or (rarely) keep still."""
    clause = _clause(stretch, other_breath(move_breath(stretch, way)))
    return RepPhase.STAY if clause is not None and _STILL.search(clause) else RepPhase.RETURN


def first_side(stretch: Stretch, way: Way | None = None) -> str:
    """Return the side a one-sided stretch starts on: the side its steps are written for.

    The set-up and movement steps describe one side (`side_words.first`) and the other is their
    mirror image, so starting there makes the text, the spoken side and the drawing agree
    (figures are drawn for whichever side is playing). A stretch without side words starts on
    the first side its movement steps name, else the left.
    """
    if stretch.side_words is not None:
        return stretch.side_words.first
    for text in stretch.movement_of(way or stretch.usual_way):
        if named := sides_named(text):
            return named[0]
    return "left"


def _other_side(side: str) -> str:
    return "right" if side == "left" else "left"


class SideSteps(NamedTuple):
    """The set-up and movement steps of a way, as they read on one side."""

    setup: tuple[str, ...]
    movement: tuple[str, ...]


def steps_for_side(stretch: Stretch, way: Way, side: str | None) -> SideSteps:
    """Return the set-up and movement of `way` as they read on `side`.

    The steps are written for the first side; done one side at a time, the other side reads
    them mirrored ("Lift your left ankle onto your right knee"). An alternating stretch keeps
    them as written: they describe its first repetition, and the sides take turns every rep
    (the counter and the voice name each rep's side).
    """
    setup, movement = way.setup, stretch.movement_of(way)
    if stretch.dose.sides is not Sides.EACH or side is None:
        return SideSteps(setup, movement)
    first = first_side(stretch, way)
    return SideSteps(
        tuple(for_side(text, side, first) for text in setup),
        tuple(for_side(text, side, first) for text in movement),
    )


def side_label(stretch: Stretch, side: str | None) -> str | None:
    """Return the side in a few words: the stretch's own ("right leg back"), else "right side"."""
    if side is None:
        return None
    words = stretch.side_words
    if words is not None:
        return words.left if side == "left" else words.right
    return f"{side} side"


def item_steps(item: RoutineItem, previous: Way | None, settings: TimelineSettings) -> list[_Step]:
    """Return the steps of one item, including its transition and get-ready lead-in."""
    stretch, dose, way = item.stretch, item.dose, item.way
    steps: list[_Step] = []
    if _moves(way, previous):
        steps.append(
            _Step(
                SegmentKind.TRANSITION,
                settings.transition_seconds,
                None,
                None,
                None,
                f"Change position. {way.setup[0]}",
                Breath.NONE,
            )
        )
    first = first_side(stretch, way)
    sides: list[str | None] = [first, _other_side(first)] if dose.sides is Sides.EACH else [None]
    for set_number in range(1, dose.sets + 1):
        if set_number > 1:
            steps.append(
                _Step(
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
            label = side_label(stretch, side)
            if set_number == 1 and side_index == 0:
                # The get-ready names the side the set-up is written for; an alternating stretch
                # names the side its first repetition works.
                ready_side = side
                if dose.sides is Sides.ALTERNATING:
                    ready_side = first
                ready_label = side_label(stretch, ready_side)
                named = f", {ready_label}" if ready_label else ""
                steps.append(
                    _Step(
                        SegmentKind.GET_READY,
                        settings.lead_in_seconds,
                        set_number,
                        None,
                        side,
                        f"Get ready: {stretch.name}{named}. {way.setup[0]}",
                        Breath.NONE,
                        label=ready_label,
                    )
                )
            elif side is not None:
                # Every change of side is announced, including back to the first for a new set.
                cue = (
                    f"Switch sides: {label}."
                    if side_index > 0
                    else f"Back to the first side for set {set_number}: {label}."
                )
                steps.append(
                    _Step(
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
    stretch, dose, way = item.stretch, item.dose, item.way
    steps: list[_Step] = []
    first = first_side(stretch, way)
    if stretch.kind is Kind.HOLD:
        assert dose.hold_seconds is not None  # a hold always has its seconds
        for rep in range(1, dose.reps + 1):
            if rep > 1:
                steps.append(
                    _Step(
                        SegmentKind.REST,
                        settings.rest_between_holds_seconds,
                        set_number,
                        rep - 1,
                        side,
                        "Ease out of it and breathe.",
                        Breath.STEADY,
                    )
                )
            # The form cues are written for the first side, like the steps; the other side's are
            # mirrored ("Keep the left foot flexed").
            cue = for_side(stretch.form_cues[(rep - 1) % len(stretch.form_cues)], side, first)
            steps.append(
                _Step(
                    SegmentKind.HOLD,
                    dose.hold_seconds,
                    set_number,
                    rep,
                    side,
                    f"Hold and breathe slowly. {cue}",
                    Breath.STEADY,
                    reps=dose.reps,
                )
            )
        return steps
    tempo = dose.tempo
    assert tempo is not None  # reps always have a tempo
    moving = move_breath(stretch, way)
    back = other_breath(moving)
    seconds = {Breath.INHALE: tempo.inhale, Breath.EXHALE: tempo.exhale}
    then = second_phase(stretch, way)
    # Move on one breath, stay there if the tempo holds, come back on the other breath.
    parts = [(seconds[moving], breath_cue(stretch, moving), moving, RepPhase.MOVE)]
    if tempo.hold:
        parts.append((tempo.hold, STAY_CUE, Breath.STEADY, RepPhase.STAY))
    parts.append((seconds[back], breath_cue(stretch, back), back, then))
    for rep in range(1, dose.reps + 1):
        rep_side = side
        if dose.sides is Sides.ALTERNATING:
            rep_side = first if rep % 2 else _other_side(first)
        # A breath cue that names a side names the rep's own ("as the left knee lifts").
        steps += [
            _Step(
                SegmentKind.REP,
                length,
                set_number,
                rep,
                rep_side,
                for_side(cue, rep_side, first),
                breath,
                dose.reps,
                phase,
            )
            for length, cue, breath, phase in parts
        ]
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
        for step in item_steps(item, previous, settings):
            segments.append(
                Segment(
                    start_ms=offset_ms,
                    duration_ms=step.seconds * 1000,
                    kind=step.kind,
                    stretch=item.stretch.id,
                    set=step.set,
                    rep=step.rep,
                    side=step.side,
                    cue=step.cue,
                    breath=step.breath,
                    reps=step.reps,
                    side_label=step.label or side_label(item.stretch, step.side),
                    phase=step.phase,
                )
            )
            offset_ms += step.seconds * 1000
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


# How many words a voice says in a second: espeak-ng reads 175 a minute by default, and a
# browser's voice about as fast. A cue longer than its segment is cut off by the next one.
WORDS_PER_SECOND = 2.9
_PLAIN = {Breath.INHALE: "Breathe in", Breath.EXHALE: "Breathe out"}
# "Breathe out slowly as the chin sweeps" -> "Breathe out, chin sweeps": the short form.
_COMPACT = re.compile(
    r"^(breathe (?:in|out))(?: slowly)? (?:as|while|during|to) (?:you |the |each )?(.+)$",
    re.IGNORECASE,
)


def fits(words: str, seconds: float) -> bool:
    """Tell whether `words` can be said within `seconds`."""
    return len(words.split()) <= seconds * WORDS_PER_SECOND


def spoken(segment: Segment, catalogue: Catalogue) -> str:
    """Return the words to speak when a segment begins: short, and naming the movement.

    A repetition says its breath with the stretch's own words for the movement ("Breathe out
    as you reach, right leg back."), its number first when there is time ("Rep 3. ..."); the
    longest form that can be said before the segment ends is chosen.
    """
    if segment.kind is SegmentKind.REP:
        if segment.phase is RepPhase.STAY and segment.breath is Breath.STEADY:
            return "Stay, breathe slowly."
        seconds = segment.duration_ms / 1000
        clause = segment.cue.rstrip(".")
        side = ""
        if (
            segment.phase is RepPhase.MOVE
            and segment.side_label
            and segment.stretch is not None
            and segment.stretch in catalogue
            and catalogue.get(segment.stretch).dose.sides is Sides.ALTERNATING
        ):
            side = f", {segment.side_label}"
        compact = _COMPACT.match(clause)
        forms = [f"{clause}{side}."]
        if segment.phase is RepPhase.MOVE and segment.rep is not None:
            forms.insert(0, f"Rep {segment.rep}. {clause}{side}.")
        if compact:
            forms.append(f"{compact.group(1)}, {compact.group(2)}{side}.")
        forms.append(f"{_PLAIN.get(segment.breath, clause)}{side}.")
        return next((words for words in forms if fits(words, seconds)), forms[-1])
    if segment.kind is SegmentKind.GET_READY and segment.stretch:
        name = catalogue.get(segment.stretch).name
        side = f", {segment.side_label}" if segment.side_label else ""
        return f"Get ready: {name}{side}."
    if segment.kind is SegmentKind.HOLD:
        return "Hold, and breathe slowly."
    return segment.cue
