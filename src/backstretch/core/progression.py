"""Progression and easing off, from the sessions a person has done (research/clinical.md §3.3).

Sessions that felt fine (low pain that did not rise, no stop) raise the dose one step, at most once
a week; each step raises one thing, in order: hold time (never past 60 s), then repetitions, then
sets, each within the range the sources allow. A stop, a rise of 2 points, pain in the red zone
afterwards, or a pain pause (a rise after two sessions in a row) eases off at once, below the
starting dose, and the stopped stretch rests for two weeks. Everything is derived from the stored
sessions, so nothing extra is stored and an import restores it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from backstretch.core.catalogue import Stretch
from backstretch.core.models import MAX_HOLD_SECONDS, MAX_SETS, MIN_HOLD_SECONDS, Kind
from backstretch.core.records import SessionRecord, SessionStatus
from backstretch.core.safety import PAIN_RISE_LIMIT, PAIN_STOP_LEVEL, pain_pause_due
from backstretch.core.timeline import ItemDose

# The clinical "traffic light" for pain with exercise (research/clinical.md §3.3, [TrafficLight];
# pain during exercise is acceptable, [Smith2017]): 0-3/10 is fine, 4-5 is watched, 6 or more
# means stop and reduce the load. Only the green zone is evidence that the dose can grow, so a
# session felt fine when pain afterwards is 3 or less and no higher than before; 4-5 holds the
# step where it is, and 6 or more that did not fall eases off (as PAIN_STOP_LEVEL does mid-session).
FINE_PAIN_MAX = 3
RAISE_EVERY = timedelta(days=7)  # one change a week (§3.3: "change one variable per week")
EASE_EVERY = timedelta(days=7)  # several bad days in one week ease one step, not one per day
FINE_SESSIONS_TO_RAISE = 2  # one good day is not a pattern
DROP_STOPPED_FOR = timedelta(days=14)
HOLD_STEP_SECONDS = 5
REPS_STEP = {Kind.HOLD: 1, Kind.REPS: 2}
# 001: hold 30 s and repeat three times; no source asks for more holds a side in one session. The
# planner caps a dose at this too, so a rung past it would come back smaller: the ladder stops.
HOLDS_A_SIDE_MAX = 3
MAX_STEP = 12  # past every stretch's ladder: a higher step would change nothing
MIN_STEP = -2
# Easing shortens the session by 20% a step: the pacing rule's cut from the level that flared
# (research/clinical.md §3.3, [RUH-pacing]); never to less than half the time asked for.
EASED_TIME_FACTOR = 0.8
MIN_TIME_SCALE = 0.5
_EASIER = "so the next sessions are a little easier"
RAISE_WHY = (
    f"the past week's sessions felt fine (pain {FINE_PAIN_MAX} or less and not rising), "
    "so the next sessions go one step further"
)
_PAUSE_STATUSES = (SessionStatus.COMPLETED, SessionStatus.STOPPED)  # as services/sessions.py


class ChangeKind(StrEnum):
    """What a change to the programme did."""

    RAISED = "raised"
    EASED = "eased"


@dataclass(frozen=True)
class Change:
    """One change of step, when and why."""

    kind: ChangeKind
    day: date
    step: int  # the step after the change
    why: str  # one plain line: what happened and what it does to the next sessions


@dataclass(frozen=True)
class Progress:
    """Where the programme stands: the step, stretches resting, and the changes so far."""

    step: int = 0
    resting: Mapping[str, date] = field(default_factory=dict)  # stretch id -> first day back
    changes: tuple[Change, ...] = ()

    def rests_on(self, stretch_id: str, day: date) -> date | None:
        """Return the day a resting stretch comes back, if it is still resting on `day`."""
        back = self.resting.get(stretch_id)
        return back if back is not None and day < back else None

    @property
    def latest(self) -> Change | None:
        """Return the most recent change, if any."""
        return self.changes[-1] if self.changes else None


def felt_fine(record: SessionRecord) -> bool:
    """Tell whether a finished session felt fine: rated, pain low and no higher, no stop."""
    return (
        record.status is SessionStatus.COMPLETED
        and record.stop_signal is None
        and record.pain_before is not None
        and record.pain_after is not None
        and record.pain_after <= record.pain_before
        and record.pain_after <= FINE_PAIN_MAX
    )


def calls_for_easing(record: SessionRecord) -> bool:
    """Tell whether a session asks to ease off: a stop, pain up 2, or pain high and not falling."""
    if record.status is SessionStatus.STOPPED or record.stop_signal is not None:
        return True
    if record.pain_before is None or record.pain_after is None:
        return False
    if record.pain_after - record.pain_before >= PAIN_RISE_LIMIT:
        return True
    return record.pain_after >= PAIN_STOP_LEVEL and record.pain_after >= record.pain_before


def time_scale(step: int) -> float:
    """Return the share of the asked-for session time to plan at this step: less when easing."""
    if step >= 0:
        return 1.0
    return max(MIN_TIME_SCALE, EASED_TIME_FACTOR ** (-step))


def _ease_why(record: SessionRecord) -> str:
    day = record.local_day.isoformat()
    if record.status is SessionStatus.STOPPED:
        return f"you stopped the session on {day}, {_EASIER}"
    if record.stop_signal is not None:
        return f"you stopped a stretch on {day} as pain was building, {_EASIER}"
    if (record.pain_after or 0) - (record.pain_before or 0) >= PAIN_RISE_LIMIT:
        return (
            f"pain rose from {record.pain_before} to {record.pain_after} after the session "
            f"on {day}, {_EASIER}"
        )
    return f"pain was {record.pain_after} out of 10 after the session on {day}, {_EASIER}"


def _pause_why(rises: Sequence[SessionRecord]) -> str:
    told = ", then ".join(
        f"{r.pain_before} to {r.pain_after} on {r.local_day.isoformat()}" for r in rises
    )
    return (
        f"pain rose after two sessions in a row ({told}), so the programme paused "
        "and starts again a little easier"
    )


def _rated(record: SessionRecord) -> bool:
    return record.pain_before is not None and record.pain_after is not None


def progress(records: Sequence[SessionRecord]) -> Progress:
    """Replay the sessions, oldest first, and return where the programme stands.

    Easing is for safety, so it never waits for a raise to be a week old; but bad days within a
    week of an easing (two stops, a stop and then the pain pause) ease the programme once, not
    once a day: the step is already below the start and a week of sessions has not yet shown how
    the eased dose suits. Each of them restarts the week a raise waits for. A raise needs a week
    since the last change or bad day, and at least two sessions that felt fine in that week with
    none in it that did not.

    An easing puts the step below the start, whatever it was: the session then takes 20% less
    time a step (`time_scale`, the pacing rule's cut from the level that flared, §3.3) and each
    dose sits one rung below its starting dose, one thing taken away a rung (`dose_at_step`).

    A pain pause (core/safety.py: pain rose after two rated sessions in a row) ends with an eased
    restart: the step drops as the pause opens, so the first plan after the new screening is the
    eased one, never the old dose.
    """
    # A session left part-way still counts when a stop signal was given in it ("pain is
    # building", then quit): the easing it promised must happen.
    finished = sorted(
        (
            r
            for r in records
            if r.status in (SessionStatus.COMPLETED, SessionStatus.STOPPED)
            or r.stop_signal is not None
        ),
        key=lambda r: r.started_at,
    )
    step = 0
    since: date | None = None  # the day of the last change or bad day (the first session at first)
    eased_on: date | None = None  # the day of the last easing
    resting: dict[str, date] = {}
    changes: list[Change] = []
    fine_days: list[date] = []  # days of sessions that felt fine since the week began
    rated: list[SessionRecord] = []  # rated sessions since the last pause, as safety counts them
    for record in finished:
        day = record.local_day
        since = since or day
        paused: list[SessionRecord] = []
        if record.status in _PAUSE_STATUSES and _rated(record):
            rated.append(record)
            newest_first = [(r.pain_before, r.pain_after) for r in reversed(rated)]
            if pain_pause_due(newest_first):
                paused, rated = rated[-2:], []
        if paused or calls_for_easing(record):
            if record.stopped_stretch:
                resting[record.stopped_stretch] = day + DROP_STOPPED_FOR
            since, fine_days = day, []
            if eased_on is not None and day - eased_on < EASE_EVERY:
                continue  # eased this week already: the step stays where that easing put it
            lower = max(MIN_STEP, min(step, 0) - 1)
            if lower != step:
                step, eased_on = lower, day
                why = _pause_why(paused) if paused else _ease_why(record)
                changes.append(Change(ChangeKind.EASED, day, step, why))
            continue
        if not felt_fine(record):
            if _rated(record):
                fine_days = []  # a week with a session that did not feel fine is no reason to raise
            continue
        fine_days.append(day)
        recent = [d for d in fine_days if day - d < RAISE_EVERY]
        if day - since >= RAISE_EVERY and len(recent) >= FINE_SESSIONS_TO_RAISE and step < MAX_STEP:
            step += 1
            since, fine_days = day, []
            changes.append(Change(ChangeKind.RAISED, day, step, RAISE_WHY))
    return Progress(step=step, resting=dict(resting), changes=tuple(changes))


def _hold_ceiling(stretch: Stretch, hold: int) -> int:
    top = stretch.dose.hold_range.max if stretch.dose.hold_range else hold
    return min(max(top, hold), MAX_HOLD_SECONDS)


def _hold_floor(stretch: Stretch, hold: int) -> int:
    bottom = stretch.dose.hold_range.min if stretch.dose.hold_range else MIN_HOLD_SECONDS
    return max(min(bottom, hold), MIN_HOLD_SECONDS)


def _holds_fit(stretch: Stretch, reps: int, sets: int) -> bool:
    return stretch.kind is not Kind.HOLD or reps * sets <= HOLDS_A_SIDE_MAX


def _one_step_up(stretch: Stretch, dose: ItemDose) -> ItemDose | None:
    """Add one thing: 5 s to each hold, then a hold or reps more, then a set; None at the top."""
    ranges = stretch.dose
    if dose.hold_seconds is not None and dose.hold_seconds < _hold_ceiling(
        stretch, dose.hold_seconds
    ):
        raised = dose.hold_seconds + HOLD_STEP_SECONDS
        return replace(dose, hold_seconds=min(raised, _hold_ceiling(stretch, dose.hold_seconds)))
    top_reps = ranges.reps_range.max if ranges.reps_range else dose.reps
    if dose.reps < top_reps and _holds_fit(stretch, dose.reps + 1, dose.sets):
        return replace(dose, reps=min(top_reps, dose.reps + REPS_STEP[stretch.kind]))
    if dose.sets < min(ranges.sets_range.max, MAX_SETS) and _holds_fit(
        stretch, dose.reps, dose.sets + 1
    ):
        return replace(dose, sets=dose.sets + 1)
    return None


def _one_step_down(stretch: Stretch, dose: ItemDose) -> ItemDose | None:
    """Take one thing away: a set first, then 5 s off each hold, then a hold or reps fewer.

    Never below the sources' range, nor above what was asked (a routine file may ask for less).
    """
    ranges = stretch.dose
    if dose.sets > max(1, min(ranges.sets_range.min, dose.sets)):
        return replace(dose, sets=dose.sets - 1)
    if dose.hold_seconds is not None:
        floor = _hold_floor(stretch, dose.hold_seconds)
        if dose.hold_seconds > floor:
            return replace(dose, hold_seconds=max(floor, dose.hold_seconds - HOLD_STEP_SECONDS))
    bottom = min(ranges.reps_range.min if ranges.reps_range else 1, dose.reps)
    if dose.reps > bottom:
        return replace(dose, reps=max(bottom, dose.reps - REPS_STEP[stretch.kind]))
    return None


def dose_at_step(stretch: Stretch, dose: ItemDose, step: int) -> ItemDose:
    """Return `dose` moved `step` rungs up (or down) the ladder, within the sources' ranges.

    Each rung changes one thing. Down: a set fewer, then holds 5 s shorter, then a hold fewer
    (for reps stretches: reps fewer); at the bottom of every range the dose stays as it is.
    """
    for _ in range(max(step, 0)):
        raised = _one_step_up(stretch, dose)
        if raised is None:
            break
        dose = raised
    for _ in range(max(-step, 0)):
        eased = _one_step_down(stretch, dose)
        if eased is None:
            break
        dose = eased
    return dose


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def describe_dose_change(before: ItemDose, after: ItemDose) -> str | None:
    """Return what changed between two doses of one stretch, in words, or None."""
    parts = []
    if before.hold_seconds is not None and after.hold_seconds is not None:
        difference = after.hold_seconds - before.hold_seconds
        if difference:
            more = "longer" if difference > 0 else "shorter"
            parts.append(f"holds {abs(difference)} s {more}")
    if after.reps != before.reps:
        unit = "hold" if after.hold_seconds else "rep"
        parts.append(f"{_count(after.reps, unit)} (was {before.reps})")
    if after.sets != before.sets:
        parts.append(f"{_count(after.sets, 'set')} (was {before.sets})")
    return ", ".join(parts) or None
