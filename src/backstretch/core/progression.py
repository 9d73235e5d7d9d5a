"""Progression and easing off, from the sessions a person has done (research/clinical.md §3.3).

Sessions that felt fine (pain afterwards no higher than before, no stop) raise the dose one step,
at most once a week; each step raises one thing, in order: hold time (never past 60 s), then
repetitions, then sets, each within the range the sources allow. A rise of 2 points or more, or a
stop, eases off at once: a step down (shorter holds, the easier variant) and the stopped stretch
rests for two weeks. Everything is derived from the stored sessions, so nothing extra is stored
and an import restores it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from backstretch.core.catalogue import Stretch
from backstretch.core.models import MAX_HOLD_SECONDS, MAX_SETS, MIN_HOLD_SECONDS, Kind
from backstretch.core.records import SessionRecord, SessionStatus
from backstretch.core.safety import PAIN_RISE_LIMIT
from backstretch.core.timeline import ItemDose

RAISE_EVERY = timedelta(days=7)
FINE_SESSIONS_TO_RAISE = 2  # one good day is not a pattern
DROP_STOPPED_FOR = timedelta(days=14)
HOLD_STEP_SECONDS = 5
REPS_STEP = {Kind.HOLD: 1, Kind.REPS: 2}
MAX_STEP = 12  # past every stretch's ladder: a higher step would change nothing
MIN_STEP = -2


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
    why: str


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
    """Tell whether a finished session felt fine: rated, no worse afterwards, no stop."""
    return (
        record.status is SessionStatus.COMPLETED
        and record.stop_signal is None
        and record.pain_before is not None
        and record.pain_after is not None
        and record.pain_after <= record.pain_before
    )


def calls_for_easing(record: SessionRecord) -> bool:
    """Tell whether a session asks to ease off: a stop, or pain up by 2 points or more."""
    if record.status is SessionStatus.STOPPED or record.stop_signal is not None:
        return True
    if record.pain_before is None or record.pain_after is None:
        return False
    return record.pain_after - record.pain_before >= PAIN_RISE_LIMIT


def _ease_why(record: SessionRecord) -> str:
    if record.stop_signal is not None or record.status is SessionStatus.STOPPED:
        return f"you stopped the session on {record.local_day.isoformat()}"
    return (
        f"pain went from {record.pain_before} to {record.pain_after} "
        f"on {record.local_day.isoformat()}"
    )


def progress(records: Sequence[SessionRecord]) -> Progress:
    """Replay the sessions, oldest first, and return where the programme stands."""
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
    since: date | None = None  # the day the current step began (the first session at first)
    resting: dict[str, date] = {}
    changes: list[Change] = []
    fine_days: list[date] = []  # days of sessions that felt fine since the current step began
    for record in finished:
        day = record.local_day
        since = since or day
        if calls_for_easing(record):
            step = max(MIN_STEP, min(step, 0) - 1)
            since, fine_days = day, []
            if record.stopped_stretch:
                resting[record.stopped_stretch] = day + DROP_STOPPED_FOR
            changes.append(Change(ChangeKind.EASED, day, step, _ease_why(record)))
            continue
        if not felt_fine(record):
            continue
        fine_days.append(day)
        recent = [d for d in fine_days if day - d < RAISE_EVERY]
        if day - since >= RAISE_EVERY and len(recent) >= FINE_SESSIONS_TO_RAISE and step < MAX_STEP:
            step += 1
            since, fine_days = day, []
            changes.append(Change(ChangeKind.RAISED, day, step, "last week's sessions felt fine"))
    return Progress(step=step, resting=dict(resting), changes=tuple(changes))


def _hold_ceiling(stretch: Stretch, hold: int) -> int:
    top = stretch.dose.hold_range.max if stretch.dose.hold_range else hold
    return min(max(top, hold), MAX_HOLD_SECONDS)


def _hold_floor(stretch: Stretch, hold: int) -> int:
    bottom = stretch.dose.hold_range.min if stretch.dose.hold_range else MIN_HOLD_SECONDS
    return max(min(bottom, hold), MIN_HOLD_SECONDS)


def _one_step_up(stretch: Stretch, dose: ItemDose) -> ItemDose | None:
    ranges = stretch.dose
    if dose.hold_seconds is not None and dose.hold_seconds < _hold_ceiling(
        stretch, dose.hold_seconds
    ):
        raised = dose.hold_seconds + HOLD_STEP_SECONDS
        return replace(dose, hold_seconds=min(raised, _hold_ceiling(stretch, dose.hold_seconds)))
    top_reps = ranges.reps_range.max if ranges.reps_range else dose.reps
    if dose.reps < top_reps:
        return replace(dose, reps=min(top_reps, dose.reps + REPS_STEP[stretch.kind]))
    if dose.sets < min(ranges.sets_range.max, MAX_SETS):
        return replace(dose, sets=dose.sets + 1)
    return None


def _one_step_down(stretch: Stretch, dose: ItemDose) -> ItemDose:
    ranges = stretch.dose
    if dose.hold_seconds is not None:
        lower = max(_hold_floor(stretch, dose.hold_seconds), dose.hold_seconds - HOLD_STEP_SECONDS)
        return replace(dose, hold_seconds=lower, sets=1)
    bottom = ranges.reps_range.min if ranges.reps_range else 1
    # Never below the range, nor above what was asked (a routine file may ask for fewer).
    floor = min(bottom, dose.reps)
    return replace(dose, reps=max(floor, dose.reps - REPS_STEP[stretch.kind]), sets=1)


def dose_at_step(stretch: Stretch, dose: ItemDose, step: int) -> ItemDose:
    """Return `dose` moved `step` rungs up (or down) the ladder, within the sources' ranges."""
    for _ in range(max(step, 0)):
        raised = _one_step_up(stretch, dose)
        if raised is None:
            break
        dose = raised
    for _ in range(max(-step, 0)):
        dose = _one_step_down(stretch, dose)
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
