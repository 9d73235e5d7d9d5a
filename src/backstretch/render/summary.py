"""The clinician summary: a few weeks of habit and comfort figures on one or two printed pages.

Pure, like the rest of `render/`: the use case (`services/summary.py`) reads the records and
puts the screening's words on the safety events; `summarise` counts them for one date range,
and `summary_html` / `summary_pdf` lay them out (`templates/summary.html`).

The figures are the ones the app shows elsewhere, counted the same way: a session counts when
some stretching was done (`core.stats.counting_sessions`), on the local day it began; the pain
chart is the history page's (`render.charts`); the activity check-ins are the Patient-Specific
Functional Scale with the change that counts from `core.stats.psfs_trend` (2 points for the
average, 3 for one activity: research/clinical.md §2.6). Weeks are seven-day blocks counted from
the first day of the range, so the default range (four weeks up to today) is four whole weeks.
Nothing here names a condition or judges one: the words describe habit, comfort and what the
person recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from backstretch.core import durations
from backstretch.core.records import CheckinRecord, SessionRecord, SessionStatus
from backstretch.core.safety import BlockKind, StopSignal, stop_outcome
from backstretch.core.screening import Verdict
from backstretch.core.stats import (
    PSFS_ACTIVITY_MDC,
    PSFS_MEAN_MDC,
    PsfsTrend,
    Totals,
    count_totals,
    counting_sessions,
    psfs_trend,
)
from backstretch.render.charts import ENGLISH, day_words, pain_chart_svg, pain_points, short_number
from backstretch.render.pdf import Paper, render_html, write_pdf

DEFAULT_TARGET = 3  # sessions a week, while there is no schedule to take a target from
DEFAULT_DAYS = 28  # the default range: four whole weeks up to today
MAX_DAYS = 366  # a longer range would print a week table of several pages
WEEK = 7

BLOCK_WORDS = {
    BlockKind.EMERGENCY: "Paused for urgent advice",
    BlockKind.SEE_CLINICIAN: "Paused until a clinician has seen them",
    BlockKind.PAIN_PAUSE: "Paused after pain rose",
}
CLOSED_BY = {
    BlockKind.EMERGENCY: "the safety questions answered again",
    BlockKind.SEE_CLINICIAN: "a clinician's clearance recorded",
    BlockKind.PAIN_PAUSE: "the safety questions answered again",
}
# What the person reported when they pressed "stop — this hurts", told to a third person.
SIGNAL_WORDS = {
    StopSignal.SHARP_PAIN: "Sharp pain",
    StopSignal.NUMBNESS_TINGLING: "Numbness or tingling",
    StopSignal.WEAKNESS: "Weakness in an arm or leg",
    StopSignal.DIZZINESS_VISION: "Dizziness or a change in vision",
    StopSignal.SPREADING: "Symptoms spreading down an arm or leg",
    StopSignal.PREGNANCY_WARNING: "A pregnancy warning sign",
    StopSignal.PAIN_RISING: "Pain building during a stretch (6 of 10, or 2 above the start)",
}
PAIN_PAUSE_REASON = "pain_rose_twice"  # the reason services/sessions.py stores for a pain pause
VERDICT_WORDS = {
    Verdict.EMERGENCY: "seek care now",
    Verdict.SEE_CLINICIAN: "see a clinician soon",
    Verdict.INCOMPLETE: "not finished",
    Verdict.SELF_CARE: "stretching allowed",
}


def _minutes(seconds: int) -> float:
    return round(seconds / 60, 1)


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def local_day(at: datetime, timezone: str) -> date:
    """Return the calendar day of `at` in `timezone`."""
    return at.astimezone(ZoneInfo(timezone)).date()


# ---- what the use case hands in -------------------------------------------------------------


@dataclass(frozen=True)
class BlockEvent:
    """A safety block: when it opened, why, and when and how it closed."""

    kind: BlockKind
    reason: str  # a stop signal's id, or the pain rule's
    opened: date
    closed: date | None

    @property
    def why(self) -> str:
        """Return why the block opened, in words."""
        if self.reason in StopSignal.__members__.values():
            return f"stop during a session: {SIGNAL_WORDS[StopSignal(self.reason)].lower()}"
        if self.reason == PAIN_PAUSE_REASON:
            return "pain was higher after than before, two sessions in a row"
        return self.reason.replace("_", " ")

    @property
    def what(self) -> str:
        """Return what the block did, in words."""
        return BLOCK_WORDS[self.kind]

    @property
    def how_closed(self) -> str:
        """Return how the block ended, or that it is still in force."""
        if self.closed is None:
            return "still in force"
        return f"ended {day_text(self.closed)}: {CLOSED_BY[self.kind]}"


@dataclass(frozen=True)
class ClearanceEvent:
    """A clinician's clearance the person recorded, and when it lapsed (if it did)."""

    what: str  # the question answered "yes", or the stop signal, in words
    recorded: date
    lapsed: date | None


@dataclass(frozen=True)
class CheckOutcome:
    """One answered set of safety questions: its day, its outcome and the answers behind it."""

    day: date
    verdict: Verdict
    reasons: tuple[str, ...]  # the questions answered "yes" that set the outcome, in words

    @property
    def outcome(self) -> str:
        """Return the outcome in words."""
        return VERDICT_WORDS[self.verdict]

    @property
    def paused(self) -> bool:
        """Tell whether this outcome paused the programme."""
        return self.verdict in (Verdict.EMERGENCY, Verdict.SEE_CLINICIAN)


class RoutineState(StrEnum):
    """What today's plan is: a routine, a safety block, or nothing set up yet."""

    PLANNED = "planned"
    BLOCKED = "blocked"
    NONE = "none"


@dataclass(frozen=True)
class RoutineLine:
    """One stretch of today's routine."""

    name: str
    way: str  # "on the floor", "on a chair"...
    dose: str  # "30 s × 2", "10 reps"
    sides: str  # "each side", or "" when both work together
    seconds: int


@dataclass(frozen=True)
class CurrentRoutine:
    """Today's plan as `backstretch plan` makes it, or why there is none."""

    state: RoutineState
    name: str = ""
    seconds: int = 0
    lines: tuple[RoutineLine, ...] = ()
    note: str = ""  # why safety blocks it, or what is missing
    changes: tuple[str, ...] = ()  # how the dose moved lately, and why
    left_out: tuple[str, ...] = ()  # stretches left out or swapped by the safety answers


# ---- what the summary counts ----------------------------------------------------------------


def day_text(day: date) -> str:
    """Return a day as the document writes it: "5 Oct 2026" (never a locale's 10/05)."""
    return day_words(day, ENGLISH, weekday=False, year=True)


@dataclass(frozen=True)
class WeekRow:
    """Seven days of the range (the last may be shorter): sessions, minutes, pain, stops."""

    number: int
    start: date
    end: date
    sessions: int
    minutes: float
    pain_before: float | None
    pain_after: float | None
    stops: int

    @property
    def days(self) -> int:
        """Return how many days of the range the week holds."""
        return (self.end - self.start).days + 1

    @property
    def whole(self) -> bool:
        """Tell whether the week is seven days long (only whole weeks are held to the target)."""
        return self.days == WEEK


@dataclass(frozen=True)
class PainFigures:
    """The pain ratings of the range's sessions."""

    rated: int  # sessions rated both before and after
    mean_before: float | None
    mean_after: float | None
    lower: int  # sessions where pain after was lower than before
    same: int
    higher: int


@dataclass(frozen=True)
class CheckinRow:
    """One activity check-in, and how far its average moved from the range's first."""

    day: date
    mean: float
    scores: tuple[tuple[str, int], ...]
    change: float | None  # None for the first
    counts: bool  # the change is at least the average's minimal detectable change


@dataclass(frozen=True)
class StopEvent:
    """A "stop — this hurts" during a session: when, which signal, and what it led to."""

    at: datetime  # local wall time of the session's start
    routine_name: str
    signal: StopSignal
    signal_words: str
    stretch: str | None  # the stretch under way, by name

    @property
    def followed(self) -> str:
        """Return what the app did after this signal, in words (core.safety's rules)."""
        outcome = stop_outcome(self.signal)
        ended = "the session ended" if outcome.ends_session else "that stretch ended"
        if outcome.block is BlockKind.SEE_CLINICIAN:
            return f"{ended}; stretching paused until a clinician's clearance"
        if outcome.block is BlockKind.EMERGENCY:
            return f"{ended}; urgent advice shown, stretching paused until the safety questions"
        return f"{ended}; the next sessions were made a little easier"


@dataclass(frozen=True)
class ClinicianSummary:
    """Everything the summary shows, for one date range."""

    start: date
    end: date
    made_at: datetime  # local wall time the summary was made
    timezone: str
    person: str | None  # a label the person typed; None keeps the document unnamed
    target: int  # sessions a week
    target_is_default: bool
    sessions: tuple[SessionRecord, ...]  # every session recorded in the range, oldest first
    checkins: tuple[CheckinRecord, ...]  # the range's check-ins with ratings, oldest first
    totals: Totals
    weeks: tuple[WeekRow, ...]
    pain: PainFigures
    psfs: PsfsTrend
    checkin_rows: tuple[CheckinRow, ...]
    stops: tuple[StopEvent, ...]
    blocks: tuple[BlockEvent, ...]
    clearances: tuple[ClearanceEvent, ...]
    checks: tuple[CheckOutcome, ...]
    routine: CurrentRoutine

    @property
    def days(self) -> int:
        """Return the length of the range in days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def done(self) -> tuple[SessionRecord, ...]:
        """Return the sessions that count: some stretching was done."""
        return tuple(counting_sessions(self.sessions))

    @property
    def target_sessions(self) -> float:
        """Return the target over the whole range: the weekly target for each 7 days."""
        return round(self.target * self.days / WEEK, 1)

    @property
    def whole_weeks(self) -> tuple[WeekRow, ...]:
        """Return the seven-day weeks of the range."""
        return tuple(week for week in self.weeks if week.whole)

    @property
    def weeks_on_target(self) -> int:
        """Return how many whole weeks reached the weekly target."""
        return sum(1 for week in self.whole_weeks if week.sessions >= self.target)

    @property
    def target_words(self) -> str:
        """Return the weekly target in words, saying when it is the default."""
        text = f"{self.target} a week"
        return f"{text} (default)" if self.target_is_default else text

    @property
    def paused_checks(self) -> tuple[CheckOutcome, ...]:
        """Return the safety checks whose outcome paused the programme."""
        return tuple(check for check in self.checks if check.paused)


def _in_range(day: date, start: date, end: date) -> bool:
    return start <= day <= end


def _weeks(sessions: Sequence[SessionRecord], start: date, end: date) -> tuple[WeekRow, ...]:
    rows = []
    first, number = start, 1
    while first <= end:
        last = min(first + timedelta(days=WEEK - 1), end)
        inside = [s for s in sessions if _in_range(s.local_day, first, last)]
        done = counting_sessions(inside)
        rows.append(
            WeekRow(
                number=number,
                start=first,
                end=last,
                sessions=len(done),
                minutes=_minutes(sum(s.done_seconds for s in done)),
                pain_before=_mean([s.pain_before for s in done if s.pain_before is not None]),
                pain_after=_mean([s.pain_after for s in done if s.pain_after is not None]),
                stops=sum(1 for s in inside if s.stop_signal is not None),
            )
        )
        first, number = last + timedelta(days=1), number + 1
    return tuple(rows)


def _pain(sessions: Sequence[SessionRecord]) -> PainFigures:
    done = counting_sessions(sessions)
    pairs = [
        (s.pain_before, s.pain_after)
        for s in done
        if s.pain_before is not None and s.pain_after is not None
    ]
    return PainFigures(
        rated=len(pairs),
        mean_before=_mean([s.pain_before for s in done if s.pain_before is not None]),
        mean_after=_mean([s.pain_after for s in done if s.pain_after is not None]),
        lower=sum(1 for before, after in pairs if after < before),
        same=sum(1 for before, after in pairs if after == before),
        higher=sum(1 for before, after in pairs if after > before),
    )


def _checkin_rows(checkins: Sequence[CheckinRecord]) -> tuple[CheckinRow, ...]:
    # Each row is compared with the first by the same function as the whole trend, so a row
    # marked as a change that counts agrees with `backstretch stats` to the point.
    rows = []
    for index in range(len(checkins)):
        trend = psfs_trend(checkins[: index + 1])
        point = trend.points[-1]
        rows.append(
            CheckinRow(
                day=point.day,
                mean=point.mean,
                scores=point.scores,
                change=trend.change,
                counts=trend.beyond_mdc,
            )
        )
    return tuple(rows)


def _stops(
    sessions: Sequence[SessionRecord], stretch_names: Mapping[str, str]
) -> tuple[StopEvent, ...]:
    events = []
    for s in sessions:
        if s.stop_signal is None:
            continue
        stretch = s.stopped_stretch
        events.append(
            StopEvent(
                at=s.started_at.astimezone(ZoneInfo(s.timezone)).replace(tzinfo=None),
                routine_name=s.routine_name,
                signal=s.stop_signal,
                signal_words=SIGNAL_WORDS[s.stop_signal],
                stretch=stretch_names.get(stretch, stretch) if stretch else None,
            )
        )
    return tuple(events)


def summarise(
    *,
    start: date,
    end: date,
    made_at: datetime,
    timezone: str,
    sessions: Sequence[SessionRecord],
    checkins: Sequence[CheckinRecord],
    blocks: Sequence[BlockEvent] = (),
    clearances: Sequence[ClearanceEvent] = (),
    checks: Sequence[CheckOutcome] = (),
    routine: CurrentRoutine = CurrentRoutine(RoutineState.NONE),
    target: int = DEFAULT_TARGET,
    target_is_default: bool = True,
    person: str | None = None,
    stretch_names: Mapping[str, str] | None = None,
) -> ClinicianSummary:
    """Count the records that fall in the range `start`..`end` (local days, both included).

    Sessions and check-ins count on the local day they began; a block counts when it was in
    force on some day of the range, a clearance when it was recorded by the end of the range
    and had not lapsed before its start.
    """
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    if target < 1:
        raise ValueError(f"the weekly target must be at least 1, not {target}")
    inside = tuple(
        sorted(
            (s for s in sessions if _in_range(s.local_day, start, end)),
            key=lambda s: s.started_at,
        )
    )
    rated = tuple(
        sorted(
            (c for c in checkins if c.activities and _in_range(c.local_day, start, end)),
            key=lambda c: c.at,
        )
    )
    return ClinicianSummary(
        start=start,
        end=end,
        made_at=made_at,
        timezone=timezone,
        person=(person or "").strip() or None,
        target=target,
        target_is_default=target_is_default,
        sessions=inside,
        checkins=rated,
        totals=count_totals(inside),
        weeks=_weeks(inside, start, end),
        pain=_pain(inside),
        psfs=psfs_trend(rated),
        checkin_rows=_checkin_rows(rated),
        stops=_stops(inside, stretch_names or {}),
        blocks=tuple(
            b for b in blocks if b.opened <= end and (b.closed is None or b.closed >= start)
        ),
        clearances=tuple(
            c for c in clearances if c.recorded <= end and (c.lapsed is None or c.lapsed >= start)
        ),
        checks=tuple(c for c in checks if _in_range(c.day, start, end)),
        routine=routine,
    )


# ---- on paper -------------------------------------------------------------------------------


def _rating(value: float | None) -> str:
    return "–" if value is None else short_number(value)


def _signed(value: float) -> str:
    text = short_number(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else "0"


def _status_words(record: SessionRecord) -> str:
    status = record.reads_as
    if status is SessionStatus.COMPLETED:
        return "completed"
    if status is SessionStatus.STOPPED:
        return "stopped"
    return "not finished"


def template_values(summary: ClinicianSummary) -> dict[str, Any]:
    """Return what `templates/summary.html` is filled with: the summary, its chart, helpers."""
    from markupsafe import Markup

    points = pain_points(summary.sessions)
    # The chart is our own SVG, drawn from numbers and dates with every text escaped.
    chart = Markup(pain_chart_svg(points, id_prefix="pain")) if points else None
    return {
        "s": summary,
        "pain_chart": chart,
        "day": day_text,
        "weekday": lambda d: day_words(d, ENGLISH, year=True),
        "number": short_number,
        "rating": _rating,
        "signed": _signed,
        "clock": durations.clock,
        "minutes": durations.minutes,
        "status": _status_words,
        "mean_mdc": PSFS_MEAN_MDC,
        "activity_mdc": PSFS_ACTIVITY_MDC,
        "RoutineState": RoutineState,
    }


def summary_html(summary: ClinicianSummary) -> str:
    """Return the summary as a printable HTML page."""
    return render_html("summary.html", **template_values(summary))


def summary_pdf(summary: ClinicianSummary, *, paper: Paper = "a4") -> bytes:
    """Return the summary as a PDF on A4 or Letter paper."""
    return write_pdf(summary_html(summary), paper=paper)
